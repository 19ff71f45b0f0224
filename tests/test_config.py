import dataclasses
from pathlib import Path
from typing import Any

import pytest

from newsloom.config import _MISMATCH, ConfigError, Settings, _convert, load_settings
from newsloom.folders import default_config_path, default_db_path
from newsloom.stories.settings import ClusterSettings
from newsloom.write.extractive import WriterSettings
from newsloom.write.select import Weights


def write_toml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults(isolated_environment: Path) -> None:
    settings = load_settings(environ={})
    assert settings == Settings()
    assert settings.cluster == ClusterSettings()
    assert settings.batch_size == 256
    assert settings.db == str(isolated_environment / "data" / "newsloom" / "newsloom.db")
    assert default_db_path() == isolated_environment / "data" / "newsloom" / "newsloom.db"
    assert default_config_path() == isolated_environment / "config" / "newsloom" / "config.toml"


def test_layers_file_then_environment_then_flag(tmp_path: Path) -> None:
    config = write_toml(
        tmp_path / "settings.toml",
        'db = "from-file.db"\nbatch_size = 64\n'
        "[cluster]\nthreshold = 0.3\ndecay_days = 3.0\n"
        "[writer]\nmax_words = 90\n",
    )
    from_file = load_settings(config, environ={})
    assert (from_file.db, from_file.batch_size) == ("from-file.db", 64)
    assert (from_file.cluster.threshold, from_file.cluster.decay_days) == (0.3, 3.0)
    assert from_file.writer == WriterSettings(max_words=90)
    # Keys the file does not set keep their defaults.
    assert from_file.cluster.grace_days == ClusterSettings().grace_days

    environ = {"NEWSLOOM_DB": "from-env.db", "NEWSLOOM_CLUSTER_THRESHOLD": "0.45", "NEWSLOOM_BATCH_SIZE": "50"}
    from_env = load_settings(config, environ=environ)
    assert (from_env.db, from_env.batch_size, from_env.cluster.threshold) == ("from-env.db", 50, 0.45)
    assert from_env.cluster.decay_days == 3.0  # the file still speaks where the environment is silent
    assert from_env.writer.max_words == 90

    from_flag = load_settings(config, environ=environ, db="from-flag.db")
    assert from_flag.db == "from-flag.db"
    assert from_flag.cluster.threshold == 0.45


def test_config_file_from_the_environment_and_the_default_place(isolated_environment: Path, tmp_path: Path) -> None:
    named = write_toml(tmp_path / "named.toml", "[writer]\nmax_sentences = 4\n")
    assert load_settings(environ={"NEWSLOOM_CONFIG": str(named)}).writer.max_sentences == 4
    default = isolated_environment / "config" / "newsloom" / "config.toml"
    default.parent.mkdir(parents=True)
    write_toml(default, "[syndication]\nsame_copy_jaccard = 0.7\n")
    assert load_settings(environ={}).syndication.same_copy_jaccard == 0.7


def test_unknown_top_level_key_is_named(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "c.toml", "databse = 'x.db'\n")
    with pytest.raises(ConfigError, match="'databse'") as caught:
        load_settings(config, environ={})
    assert str(config) in str(caught.value)


def test_unknown_key_in_a_section_is_named_with_the_known_ones(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "c.toml", "[cluster]\nthreshhold = 0.2\n")
    with pytest.raises(ConfigError, match="'threshhold'") as caught:
        load_settings(config, environ={})
    assert "threshold" in str(caught.value).split("known:")[1]


def test_a_section_that_is_not_a_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[cluster\]"):
        load_settings(write_toml(tmp_path / "c.toml", "cluster = 3\n"), environ={})


def test_wrong_types_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="threshold"):
        load_settings(write_toml(tmp_path / "c.toml", "[cluster]\nthreshold = 'high'\n"), environ={})
    with pytest.raises(
        ConfigError, match=r"environment variable NEWSLOOM_WRITER_MAX_WORDS: writer\.max_words = 'many': expected int"
    ):
        load_settings(environ={"NEWSLOOM_WRITER_MAX_WORDS": "many"})
    with pytest.raises(ConfigError, match="batch_size"):
        load_settings(environ={"NEWSLOOM_BATCH_SIZE": "lots"})


def test_invalid_toml_and_missing_named_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write_toml(tmp_path / "c.toml", "[cluster\n"), environ={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "missing.toml", environ={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(environ={"NEWSLOOM_CONFIG": str(tmp_path / "missing.toml")})


def test_process_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLOOM_DB", "env-default.db")
    assert load_settings().db == "env-default.db"


def test_a_nested_table_in_the_file_sets_only_the_keys_it_names(tmp_path: Path) -> None:
    config = write_toml(
        tmp_path / "c.toml", "[writer]\nmax_words = 90\n[writer.weights]\nposition = 0.3\nshort_words = 5\n"
    )
    writer = load_settings(config, environ={}).writer
    assert writer.weights == Weights(position=0.3, short_words=5)
    assert isinstance(writer.weights.position, float) and isinstance(writer.weights.short_words, int)
    # Untouched nested defaults stay, and so do the section's other keys.
    assert writer.weights.article == Weights().article
    assert writer == WriterSettings(max_words=90, weights=Weights(position=0.3, short_words=5))
    # An int where a float is declared is a float; an inline table works as well as a [table].
    inline = write_toml(tmp_path / "inline.toml", "[writer]\nweights = { support = 2 }\n")
    assert load_settings(inline, environ={}).writer.weights == Weights(support=2.0)


def test_a_nested_key_in_the_environment_is_named_by_its_path(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "c.toml", "[writer.weights]\nposition = 0.3\nsupport = 2.0\n")
    environ = {"NEWSLOOM_WRITER_WEIGHTS_POSITION": "0.7", "NEWSLOOM_WRITER_WEIGHTS_NOVELTY_WINDOW": "12"}
    weights = load_settings(config, environ=environ).writer.weights
    assert weights == Weights(position=0.7, support=2.0, novelty_window=12)
    assert load_settings(environ={}).writer.weights == Weights()


def test_a_variable_naming_a_table_of_settings_is_an_error() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"NEWSLOOM_WRITER_WEIGHTS": "0.3"})
    message = str(caught.value)
    assert "NEWSLOOM_WRITER_WEIGHTS" in message and "writer.weights = '0.3'" in message
    assert "Weights" in message and "NEWSLOOM_WRITER_WEIGHTS_<KEY>" in message and "position" in message
    with pytest.raises(ConfigError, match="NEWSLOOM_SERVE: serve = 'x'"):
        load_settings(environ={"NEWSLOOM_SERVE": "x"})


def test_a_nested_key_that_is_no_setting_or_not_a_table(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "c.toml", "[writer.weights]\npositon = 0.3\n")
    with pytest.raises(ConfigError, match=r"writer\.weights\.positon: unknown setting 'positon'") as caught:
        load_settings(config, environ={})
    assert str(config) in str(caught.value)
    assert "position" in str(caught.value).split("known:")[1]
    scalar = write_toml(tmp_path / "scalar.toml", "[writer]\nweights = 0.3\n")
    with pytest.raises(ConfigError, match=r"writer\.weights = 0\.3: expected a table \[writer\.weights\]"):
        load_settings(scalar, environ={})


def test_a_wrong_type_names_the_key_the_value_the_type_and_the_source(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "c.toml", "[writer.weights]\nposition = 'high'\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={})
    assert str(caught.value) == f"{config}: writer.weights.position = 'high': expected float"
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"NEWSLOOM_WRITER_WEIGHTS_SHORT_WORDS": "2.5"})
    expected = (
        "environment variable NEWSLOOM_WRITER_WEIGHTS_SHORT_WORDS: writer.weights.short_words = '2.5': expected int"
    )
    assert str(caught.value) == expected
    for text in ("max_words = 2.5", "max_words = true", "model = 5", "judge = 'maybe'", "judge = 2"):
        with pytest.raises(ConfigError, match=rf"writer\.{text.split()[0]} = "):
            load_settings(write_toml(tmp_path / "w.toml", f"[writer]\n{text}\n"), environ={})


def test_a_value_the_settings_class_rejects_is_named(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "c.toml", "[serve]\nhost = '0.0.0.0'\nport = 70000\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={})
    assert str(caught.value) == f"{config}: serve.port = 70000: port must be between 1 and 65535, not 70000"
    with pytest.raises(ConfigError, match=r"environment variable NEWSLOOM_FETCH_MAX_BYTES: fetch\.max_bytes = 0: "):
        load_settings(environ={"NEWSLOOM_FETCH_MAX_BYTES": "0", "NEWSLOOM_FETCH_RETRIES": "1"})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("Yes", True),
        ("on", True),
        ("1", True),
        ("false", False),
        ("NO", False),
        ("off", False),
        ("0", False),
    ],
)
def test_booleans_in_the_environment(text: str, value: bool) -> None:
    assert load_settings(environ={"NEWSLOOM_FETCH_ROBOTS": text}).fetch.robots is value


def test_a_boolean_the_environment_cannot_read_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"NEWSLOOM_FETCH_ROBOTS: fetch\.robots = 'sometimes': expected bool"):
        load_settings(environ={"NEWSLOOM_FETCH_ROBOTS": "sometimes"})


def environment_variables(kind: Any, prefix: str) -> dict[str, Any]:
    """Every setting's variable, named as the docs say, with its default's value written as text."""
    found: dict[str, Any] = {}
    for f in dataclasses.fields(kind()):
        name, value = f"{prefix}_{f.name.upper()}", getattr(kind(), f.name)
        if dataclasses.is_dataclass(value):
            found.update(environment_variables(type(value), name))
        else:
            # None is written as an empty value (TOML and the environment have no null).
            found[name] = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return found


def test_every_setting_has_one_environment_variable_and_reads_its_default_back() -> None:
    names = environment_variables(Settings, "NEWSLOOM")
    assert len(names) == len(set(names))
    assert {"NEWSLOOM_WRITER_WEIGHTS_POSITION", "NEWSLOOM_SERVE_CACHED_PAGES", "NEWSLOOM_DB"} <= set(names)
    assert load_settings(environ=names) == Settings()


def test_declared_types_beyond_those_the_settings_use_today() -> None:
    assert _convert("", float | None) is None
    assert _convert("0.5", float | None) == 0.5
    assert _convert("", str | None) == ""
    assert _convert("a.example, b.example", tuple[str, ...]) == ("a.example", "b.example")
    assert _convert([1, 2], list[float]) == [1.0, 2.0]
    assert _convert(["1", "x"], tuple[int, str]) == (1, "x")
    assert _convert(["1"], tuple[int, str]) is _MISMATCH
    assert _convert("1, x", list[int]) is _MISMATCH
