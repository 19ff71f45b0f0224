"""Writers: a story's articles into a brief (extractive by default, or a language model behind the same gate)."""
