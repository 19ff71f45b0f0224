from newsloom.text.terms import content_terms, fold, is_title_case, names, numbers, stem, words


def test_words_are_folded_and_numbers_kept_whole() -> None:
    assert words("About 1,200 jobs and 3.5 percent at \u00c9lys\u00e9e") == [
        "about",
        "1200",
        "jobs",
        "and",
        "3.5",
        "percent",
        "at",
        "elysee",
    ]


def test_words_keep_inner_hyphens_and_drop_possessives() -> None:
    assert words("Port Alder's cold-storage warehouse") == ["port", "alder", "cold-storage", "warehouse"]


def test_fold_removes_accents_and_case() -> None:
    assert fold("Zelenskyy \u00c9lys\u00e9e M\u00dcNCHEN") == "zelenskyy elysee munchen"


def test_stems_of_one_verb_agree() -> None:
    stems = {stem(w) for w in ["close", "closes", "closed", "closing"]}
    assert len(stems) == 1
    assert stem("stopped") == stem("stop")
    assert stem("agreed") == stem("agrees")
    assert stem("cities") == "city"
    # Short words and numbers are left alone.
    assert stem("bus") == "bus"
    assert stem("1200") == "1200"


def test_content_terms_drop_stopwords_and_stem() -> None:
    assert content_terms("The bridge was closed and the ferries are closing") == ["bridg", "clos", "ferry", "clos"]


def test_numbers_in_digits_and_words() -> None:
    assert numbers("fourteen people and 19 others; 1,200 jobs; 3.5 metres") == frozenset({"14", "19", "1200", "3.5"})
    assert numbers("No figures were given.") == frozenset()


def test_names_cut_title_words_from_a_person() -> None:
    found = names("Fire Chief Rhea Coburn said the blaze was under control. Crews thanked Coburn.")
    assert "rhea coburn" in found
    assert "fire chief rhea coburn" not in found
    assert "chief" not in found


def test_sentence_initial_common_words_are_not_names() -> None:
    found = names("Residents said they were relieved. Engineers checked the Alder Harbor Bridge.")
    assert "residents" not in found
    assert "engineers" not in found
    assert "alder harbor bridge" in found


def test_a_sentence_initial_name_counts_when_it_appears_inside_a_sentence_too() -> None:
    found = names("Varga said the bridge would stay shut. Reporters asked Varga why.")
    assert found["varga"] == 2


def test_months_and_number_words_are_not_names() -> None:
    found = names("The count rose in March. Officials met on Monday with Mayor Elena Varga.")
    assert set(found) == {"elena varga"}


def test_title_case_headlines() -> None:
    assert is_title_case("Fire Destroys Furniture Warehouse In Velmora")
    assert not is_title_case("Fire destroys furniture warehouse in Velmora")
