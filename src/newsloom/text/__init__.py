"""Text handling shared by the stages: cleaning, sentences, language, terms and names."""
