"""The LLM writer: a model rewrites the story's claims as a brief, and the checker stands between it and the reader.

A model writes fluent copy and invents facts. So the model never sees the articles, only the claims the extractive
writer chose for the story, numbered, each with its support (corroborated by N independent sources, single-source,
a quote, one version of a disputed fact); and nothing it writes is published unchecked:

1. The prompt asks for the brief as JSON, ``{"sentences": [{"text": ..., "sources": [numbers]}]}``; the runtime
   constrains the answer to that schema where it can (llama.cpp turns it into a grammar). A malformed answer is
   asked again (``retries``), told what was wrong; then the writer falls back to the extractive brief and says why.
2. Every generated sentence is checked (``newsloom.analyze.checker``) against the articles it cites, and only
   those: a sentence is printed as written only when they support it. A supported sentence that other outlets
   contradict takes a side in a dispute, and is not printed either. An optional LLM judge (the probability that it
   answers "yes" to "does this passage support this claim?") can veto what the deterministic checks let through,
   never rescue what they refused.
3. A refused sentence is replaced by the cited source sentence it leans on (already a sentence some outlet wrote,
   with its citations), or dropped when that is printed already. A sentence one outlet alone supports, in a story
   with other independent sources, says "According to OUTLET".
4. The brief records the writer, the model and the verification: each proposed sentence, its label, the reason,
   and what became of it.

Headline, where sources differ, key players, timeline and coverage are the extractive writer's: they are the
story's facts as outlets wrote them, and a model adds nothing to them but risk.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from newsloom.analyze.checker import check_sentences
from newsloom.analyze.compare import SentenceMatcher, facts_of, same_name
from newsloom.analyze.reading import strip_citations
from newsloom.model import (
    Article,
    Brief,
    Citation,
    Sentence,
    Verification,
    VerifiedLabel,
    VerifiedSentence,
    counted_by_outlet,
)
from newsloom.text.counts import plural
from newsloom.text.sentences import split_sentences
from newsloom.text.terms import STOPWORDS, content_terms
from newsloom.write.extractive import write_brief
from newsloom.write.llm_backends import ChatBackend, LLMError, Message
from newsloom.write.sections import attributed
from newsloom.write.select import stands_alone
from newsloom.write.settings import WriterSettings

log = logging.getLogger(__name__)

MAX_PROPOSED = 14  # sentences a model may propose for one brief
MAX_SENTENCE_CHARACTERS = 320  # one proposed sentence at most (a grammar bound: a small model otherwise rambles on)


def brief_schema(sentences: int = MAX_PROPOSED) -> dict[str, Any]:
    """The JSON schema of the model's answer, at most ``sentences`` sentences (the runtime enforces it as a grammar)."""
    return {
        "type": "object",
        "properties": {
            "sentences": {
                "type": "array",
                "minItems": 1,
                "maxItems": max(1, min(sentences, MAX_PROPOSED)),
                "items": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string", "minLength": 1, "maxLength": MAX_SENTENCE_CHARACTERS},
                        "sources": {
                            "type": "array",
                            "items": {"type": "integer", "minimum": 1},
                            "minItems": 1,
                            "maxItems": 8,
                        },
                    },
                    "required": ["text", "sources"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["sentences"],
        "additionalProperties": False,
    }


SYSTEM_PROMPT = """\
You are a wire-service editor. You write a short, neutral news brief from numbered source sentences that \
reporters wrote. Rules:
- Use only facts stated in the source sentences. Add no name, number, date, place or detail they do not state.
- After each sentence, list the numbers of the source sentences that state it.
- Keep quotations word for word, with the name of the person quoted.
- When sources disagree (marked "disputed"), do not pick a side: say that reports differ, and who says what.
- No opinion, no speculation, no background you know from elsewhere.
- The first sentence says what happened.
Answer with JSON only: {"sentences": [{"text": "...", "sources": [1, 2]}]}"""


class MalformedAnswer(ValueError):
    """The model's answer is not the JSON the prompt asked for; the message says what is wrong with it."""


@dataclass(frozen=True)
class Proposal:
    """One sentence the model proposed, with the numbers of the source sentences it cites."""

    text: str
    sources: tuple[int, ...]


@dataclass
class Material:
    """What the model is given: the numbered source sentences (1-based in the prompt) and what each is."""

    headline: str
    sentences: list[Sentence]
    notes: list[str]  # "corroborated by 3 independent sources: A, B, C", "disputed: one version", ...

    def prompt(self, sentences: int, words: int) -> str:
        lines = [f"Story: {self.headline}", "", "Source sentences:"]
        for number, (sentence, note) in enumerate(zip(self.sentences, self.notes, strict=True), start=1):
            lines.append(f"[{number}] ({note}) {sentence.claim}")
        lines += [
            "",
            f"Write the brief in at most {sentences} sentences and {words} words, each citing its source numbers.",
        ]
        return "\n".join(lines)


def material_of(pool: Brief) -> Material:
    """The numbered source sentences of a story: the extractive brief's dek and body, then each disputed version."""
    sentences: list[Sentence] = []
    notes: list[str] = []
    sections = dict(enumerate(pool.sections))
    if pool.dek is not None:
        sentences.append(pool.dek)
        notes.append(_support(pool.dek, "what happened"))
    for index, paragraph in enumerate(pool.paragraphs):
        for sentence in paragraph:
            sentences.append(sentence)
            notes.append(_support(sentence, sections.get(index, "")))
    for difference in pool.differences:
        for version in difference.versions:
            sentences.append(version)
            notes.append(f"disputed ({difference.about}): the version of {', '.join(version.outlets)}")
    return Material(pool.headline, sentences, notes)


def _support(sentence: Sentence, section: str) -> str:
    outlets = ", ".join(sentence.outlets)
    if sentence.independent_sources > 1:
        support = f"corroborated by {plural(sentence.independent_sources, 'independent source')}: {outlets}"
    else:
        support = f"single source: {outlets}"
    return f"{section}; {support}" if section and section != "details" else support


def parse_answer(text: str) -> list[Proposal]:
    """The proposed sentences of a model's answer; ``MalformedAnswer`` when it is not the JSON asked for."""
    cleaned = text.strip()
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", cleaned, re.DOTALL)
    if fenced:
        cleaned = fenced.group(1)
    start, end = cleaned.find("{"), cleaned.rfind("}")
    if start < 0 or end < start:
        raise MalformedAnswer("the answer holds no JSON object")
    try:
        data = json.loads(cleaned[start : end + 1])
    except json.JSONDecodeError as error:
        raise MalformedAnswer(f"the answer is not valid JSON ({error.msg} at character {error.pos})") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("sentences"), list):
        raise MalformedAnswer('the answer has no "sentences" list')
    out: list[Proposal] = []
    for item in data["sentences"][:MAX_PROPOSED]:
        if not isinstance(item, Mapping) or not isinstance(item.get("text"), str):
            raise MalformedAnswer('each sentence must be an object with a "text" string')
        numbers = item.get("sources", [])
        if not isinstance(numbers, list):
            raise MalformedAnswer('"sources" must be a list of source numbers')
        cited = tuple(int(n) for n in numbers if isinstance(n, int) or (isinstance(n, str) and n.strip().isdigit()))
        if item["text"].strip():
            out.append(Proposal(item["text"].strip(), cited))
    if not out:
        raise MalformedAnswer("the answer proposes no sentence")
    return out


@dataclass
class Gated:
    """The outcome of the gate: the sentences to print, in order, and the record of every proposed sentence."""

    printed: list[Sentence] = field(default_factory=list)
    record: list[VerifiedSentence] = field(default_factory=list)


class Judge:
    """An LLM asked "does this passage support this claim?"; its probability of answering yes."""

    def __init__(self, backend: ChatBackend) -> None:
        self.backend = backend

    def probability(self, claim: str, passage: str) -> float | None:
        """P(yes) / (P(yes) + P(no)) of the first answer token; None when the model says neither."""
        messages: list[Message] = [
            {"role": "system", "content": "You check facts. Answer with one word: yes or no."},
            {
                "role": "user",
                "content": f"Passage: {passage}\n\nClaim: {claim}\n\nDoes the passage support the claim? Yes or no?",
            },
        ]
        reply = self.backend.chat(messages, max_tokens=1, temperature=0.0, top_logprobs=10)
        yes = no = 0.0
        for token, logprob in reply.first_token_logprobs.items():
            word = token.strip().lower()
            if word == "yes":
                yes += 2.718281828459045**logprob
            elif word == "no":
                no += 2.718281828459045**logprob
        if not reply.first_token_logprobs:  # a server without log-probabilities: read the answer itself
            word = reply.text.strip().lower()
            return 1.0 if word.startswith("yes") else 0.0 if word.startswith("no") else None
        return yes / (yes + no) if yes + no > 0 else None


def gate(
    proposals: Sequence[Proposal],
    material: Material,
    articles: Sequence[Article],
    judge: Judge | None = None,
    judge_threshold: float = 0.5,
) -> Gated:
    """Check each proposed sentence against the articles it cites; print it, replace it, or drop it.

    A sentence is printed as written only when the articles its numbers point to support it (the checker's
    "supported") and the story's other articles do not contradict it; with a judge, only when the judge agrees too.
    Otherwise the best cited source sentence not yet printed stands in for it, or nothing does.
    """
    by_id = {a.id: a for a in articles}
    story_sources = len({a.source_key for a in counted_by_outlet(articles)})
    outlets = {a.display_outlet.lower() for a in articles}
    story_text = " ".join(a.text for a in articles)
    marks = {a.id.lower() for a in articles} | outlets
    pieces: list[tuple[str, tuple[int, ...]]] = []
    for proposal in proposals:
        valid = tuple(dict.fromkeys(n for n in proposal.sources if 1 <= n <= len(material.sentences)))
        for piece in split_sentences(proposal.text):
            text = strip_citations(re.sub(r"\s*\[\d+(?:\s*,\s*\d+)*\]", "", piece), marks).strip()
            if len(re.findall(r"\w+", text)) >= 3:
                pieces.append((text, valid))

    # The checker reads each group of sentences against exactly the articles they cite, in one call per group.
    verdicts: dict[int, tuple[VerifiedLabel, str, str | None]] = {}
    groups: dict[frozenset[str], list[int]] = {}
    for index, (_text, numbers) in enumerate(pieces):
        cited = frozenset(c.article_id for n in numbers for c in material.sentences[n - 1].sources)
        cited = frozenset(i for i in cited if i in by_id)
        if not cited:
            verdicts[index] = ("uncited", "cites no source sentence of the story", None)
            continue
        groups.setdefault(cited, []).append(index)
    for cited, indexes in groups.items():
        own = [by_id[i] for i in sorted(cited)]
        report = check_sentences([pieces[i][0] for i in indexes], own)
        supported = []
        for index, checked in zip(indexes, report.sentences, strict=True):
            evidence = checked.evidence[0].sentence if checked.evidence else None
            verdicts[index] = (checked.label, checked.reason, evidence)
            if checked.label != "supported":
                continue
            # The evidence that supports it: the first sentence, or all of them when they state it together.
            backing = checked.evidence if checked.reason.startswith("stated across") else checked.evidence[:1]
            stated = [material.sentences[n - 1].claim for n in pieces[index][1]] + [e.sentence for e in backing]
            unnamed = names_missing(pieces[index][0], " ".join(stated))
            if unnamed:
                verdicts[index] = ("unsupported", f"names {', '.join(unnamed)}, which its sources do not", evidence)
            else:
                supported.append(index)
        others = [a for a in articles if a.id not in cited]
        if supported and others:
            against = check_sentences([pieces[i][0] for i in supported], others)
            for index, checked in zip(supported, against.sentences, strict=True):
                if checked.label == "contradicted":
                    evidence = checked.evidence[0].sentence if checked.evidence else None
                    verdicts[index] = ("contradicted", f"takes a side: {checked.reason}", evidence)

    gated = Gated()
    printed_texts: set[str] = set()
    used_numbers: set[int] = set()
    matcher = SentenceMatcher().fit([p[0] for p in pieces] + [s.claim for s in material.sentences])
    for index, (text, numbers) in enumerate(pieces):
        label, reason, evidence = verdicts[index]
        cited_ids = list(dict.fromkeys(c.article_id for n in numbers for c in material.sentences[n - 1].sources))
        verified = VerifiedSentence(text, label, "dropped", reason, cited_ids, evidence)
        gated.record.append(verified)
        if label == "supported" and judge is not None:
            passage = " ".join(material.sentences[n - 1].claim for n in numbers)
            try:
                verified.judge = judge.probability(text, passage)
            except LLMError as error:
                log.warning("the LLM judge could not answer (%s); the checker's verdict stands", error)
            if verified.judge is not None and verified.judge < judge_threshold:
                verified.reason = f"{reason}; but the judge doubts it (P(yes) {verified.judge:.2f})"
                label = "doubted"
        key = " ".join(content_terms(text))
        if key in printed_texts:
            verified.action, verified.reason = "dropped", f"{verified.reason}; says what is printed already"
            continue
        if label == "supported":
            sentence = _printed(text, numbers, material, matcher, story_sources, story_text)
            verified.action = "attributed" if sentence.attributed_to else "kept"
            if sentence.attributed_to:
                verified.printed = sentence.text
            gated.printed.append(sentence)
            printed_texts.add(key)
            used_numbers.update(numbers)
            continue
        stand_in = _stand_in(text, numbers, material, matcher, used_numbers)
        if stand_in is None:
            continue
        used_numbers.add(stand_in)
        sentence = material.sentences[stand_in - 1]
        stand_in_key = " ".join(content_terms(sentence.claim))
        if stand_in_key in printed_texts:
            continue
        verified.action, verified.printed = "replaced", sentence.text
        gated.printed.append(sentence)
        printed_texts.add(stand_in_key)
    return _read_as_published(gated, articles)


def _read_as_published(gated: Gated, articles: Sequence[Article]) -> Gated:
    """The last look: every sentence to print, read against all the story's articles as ``check_brief`` reads a
    brief. The checker's choice of evidence depends on the articles it reads (their term weights, the candidates
    they offer), so a sentence its cited articles support could still read otherwise here: it is not printed."""
    if not gated.printed:
        return gated
    report = check_sentences([s.claim for s in gated.printed], articles)
    kept: list[Sentence] = []
    for sentence, checked in zip(gated.printed, report.sentences, strict=True):
        if checked.label == "supported":
            kept.append(sentence)
            continue
        for record in gated.record:
            if record.action != "dropped" and (record.printed or record.text) == sentence.text:
                record.action = "dropped"
                record.reason = (
                    f"{record.reason}; read against all the story's articles: {checked.label}, {checked.reason}"
                )
    gated.printed = kept
    return gated


def names_missing(text: str, sources: str) -> list[str]:
    """The people, places and organisations a sentence names that its source sentences do not, word for word.

    The checker accepts a name stated anywhere in the story; a model's sentence must take its names from the
    sentences it cites, so "the Ferry Authority said" over an engineer's words is caught.
    """
    stated = facts_of(sources)
    spelt = {part for other in stated.names for part in other.split()}
    missing = []
    for name in sorted(facts_of(text).names):
        parts = [part for part in name.split() if part not in STOPWORDS]
        # Every word of the name, under any spelling of it ("Vitkov" for "Witkoff"): one shared word is not enough.
        if not all(part in stated.words or any(same_name(part, word) for word in spelt) for part in parts):
            missing.append(name.title())
    return missing


def _printed(
    text: str,
    numbers: Sequence[int],
    material: Material,
    matcher: SentenceMatcher,
    story_sources: int,
    story_text: str,
) -> Sentence:
    """A supported generated sentence as printed: citing the cited sources that state its content, attributed
    to its outlet when one outlet alone states it in a story told by several."""
    cited = [material.sentences[n - 1] for n in numbers]
    stating = [s for s in cited if _shares(matcher, text, s.claim)] or cited
    citations: dict[str, Citation] = {}
    for sentence in stating:
        for citation in sentence.sources:
            citations.setdefault(citation.article_id, citation)
    sentence = Sentence(text, list(citations.values()))
    independent = sentence.independent_sources
    sentence.label = "corroborated" if independent > 1 else "single-source"
    outlets = sentence.outlets
    if independent == 1 and story_sources > 1 and len(outlets) == 1 and outlets[0].lower() not in text.lower():
        sentence.text = attributed(text, outlets[0], story_text)
        sentence.attributed_to = outlets[0]
    return sentence


def _shares(matcher: SentenceMatcher, text: str, source: str) -> bool:
    relation = matcher.relate(text, source)
    return not relation.conflicts and (relation.similarity >= 0.2 or relation.covers >= 0.3)


def _stand_in(
    text: str, numbers: Sequence[int], material: Material, matcher: SentenceMatcher, used: set[int]
) -> int | None:
    """The cited source sentence closest to a refused sentence, not yet printed, that can stand alone."""
    fresh = [n for n in numbers if n not in used and stands_alone(material.sentences[n - 1].claim)]
    if not fresh:
        return None
    return max(fresh, key=lambda n: matcher.relate(text, material.sentences[n - 1].claim).similarity)


KEEPS = 0.6  # share of a corroborated fact's content (IDF-weighted) the generated sentences must state together


def facts_dropped(pool: Brief, printed: Sequence[Sentence]) -> list[str]:
    """The extractive brief's corroborated facts that the generated sentences do not state: a generated brief must
    keep at least what several outlets report, or it is no better than the one it would replace."""
    stated = ([pool.dek] if pool.dek else []) + pool.sentences()  # the dek and body: not differences or timeline
    corroborated = [s.text for s in stated if s.label == "corroborated"]
    if not corroborated:
        return []
    written = " ".join(s.text for s in printed)
    matcher = SentenceMatcher().fit([*corroborated, *(s.text for s in printed)])
    return [text for text in corroborated if matcher.covers(text, written) < KEEPS]


class LLMWriter:
    """Briefs written by a chat model from the story's claims, every sentence gated by the checker."""

    name = "llm"

    def __init__(self, backend: ChatBackend, settings: WriterSettings | None = None) -> None:
        self.backend = backend
        self.settings = settings or WriterSettings(kind="llm")
        self.judge = Judge(backend) if self.settings.judge else None

    @property
    def model(self) -> str:
        return self.backend.model

    def write(self, articles: Sequence[Article], story_id: str | None = None, max_words: int | None = None) -> Brief:
        """The story's brief by the model, checked; the extractive brief when the model fails (with the reason)."""
        start = time.perf_counter()
        settings = self.settings
        pool = write_brief(articles, story_id=story_id, max_words=max_words, settings=settings)
        verification = Verification(writer=self.name, model=self.model)
        material = material_of(pool)
        budget = max_words if max_words is not None else settings.max_words
        if not material.sentences:
            return self._fallback(pool, verification, "the story has no claim to write from", start)
        words = max(budget - sum(v.words() for d in pool.differences for v in d.versions), 20)
        # About 45 tokens a sentence with its JSON: ask for no more than the answer can hold.
        limit = min(settings.max_sentences + 1, len(material.sentences) + 1, max(1, settings.max_tokens // 45))
        proposals: list[Proposal] | None = None
        problem = ""
        for _attempt in range(settings.retries + 1):
            verification.attempts += 1
            request = material.prompt(limit, words)
            if problem:  # told what went wrong, and asked for less, since a cut-off answer is the usual fault
                request += f"\nYour last answer could not be read ({problem}). Write at most {limit} short sentences."
            messages: list[Message] = [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": request},
            ]
            try:
                reply = self.backend.chat(
                    messages,
                    max_tokens=settings.max_tokens,
                    temperature=settings.temperature,
                    schema=brief_schema(limit),
                )
            except LLMError as error:
                return self._fallback(pool, verification, f"the model failed: {error}", start)
            try:
                proposals = parse_answer(reply.text)
                break
            except MalformedAnswer as error:
                problem = str(error)
                if reply.finish_reason == "length":
                    problem += f"; the answer was cut off at {settings.max_tokens} tokens"
                log.info("malformed answer from %s (%s); asking again", self.model, problem)
                limit = max(1, limit // 2)
        if proposals is None:
            return self._fallback(
                pool, verification, f"malformed answer after {verification.attempts} attempts: {problem}", start
            )
        gated = gate(proposals, material, articles, self.judge, settings.judge_threshold)
        verification.sentences = gated.record
        if not gated.printed:
            return self._fallback(pool, verification, "no generated sentence passed the checker", start)
        dropped = facts_dropped(pool, gated.printed) if settings.keep_facts else []
        if dropped:
            shown = "; ".join(f'"{text}"' for text in dropped[:2])
            return self._fallback(
                pool,
                verification,
                f"the generated brief leaves out {plural(len(dropped), 'corroborated fact')} of the extractive "
                f"one ({shown})",
                start,
            )
        return self._brief(pool, gated, verification, budget, start)

    def _brief(self, pool: Brief, gated: Gated, verification: Verification, budget: int, start: float) -> Brief:
        """The generated sentences as dek and body, the extractive sections after them, within the word budget."""
        body = list(gated.printed)
        differences = list(pool.differences)
        timeline = list(pool.timeline)

        def words() -> int:
            return (
                sum(s.words() for s in body)
                + sum(v.words() for d in differences for v in d.versions)
                + sum(e.added.words() for e in timeline)
            )

        while words() > budget and timeline:
            timeline.pop()
        while words() > budget and len(body) > 1:
            cut = body.pop()
            for record in verification.sentences:
                if record.action != "dropped" and (record.printed or record.text) == cut.text:
                    record.action, record.reason = "dropped", f"{record.reason}; over the word budget"
        while words() > budget and differences:
            differences.pop()
        dek = None
        if len(body) > 1 and body[0].words() <= self.settings.max_dek_words and stands_alone(body[0].text):
            dek = body.pop(0)
        paragraphs = [body[i : i + 3] for i in range(0, len(body), 3)]
        verification.seconds = time.perf_counter() - start
        return replace(
            pool,
            dek=dek,
            paragraphs=paragraphs,
            sections=["generated"] * len(paragraphs),
            differences=differences,
            timeline=timeline,
            writer=self.name,
            model=self.model,
            verification=verification,
        )

    def _fallback(self, pool: Brief, verification: Verification, reason: str, start: float) -> Brief:
        log.warning("LLM writer (%s): %s; the extractive brief is published instead", self.model, reason)
        verification.fallback = reason
        verification.seconds = time.perf_counter() - start
        return replace(pool, model=self.model, verification=verification)
