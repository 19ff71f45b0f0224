from pathlib import Path

import pytest

from newsloom.config import ConfigError, Settings, load_settings
from newsloom.folders import default_config_path, default_db_path
from newsloom.stories.settings import ClusterSettings
from newsloom.write.extractive import WriterSettings


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
    with pytest.raises(ConfigError, match=r"environment \[writer\]\.max_words: expected int"):
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
