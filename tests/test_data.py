"""Published measurements: every row says where its number is, with a consistent confidence,
and course text prints citations from the rows instead of retyping them (issue 14)."""

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from virtlab import data

ROOT = Path(__file__).resolve().parent.parent
ROWS = data.measurements()


@pytest.mark.parametrize("m", ROWS, ids=[m.id for m in ROWS])
def test_every_row_names_a_findable_location_matching_its_confidence(m):
    assert data.problems(m) == []


def _row(**changes):
    return replace(data.measurement("fel14-linpack-native"), **changes)


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"section": ""}, "names no table, figure"),
        ({"section": "Tables 3-4"}, "names no table, figure"),  # which table?
        ({"section": "Table I", "confidence": "F"}, "needs a location naming figure"),
        ({"section": "Fig. 3", "confidence": "R"}, "needs a location naming raw data"),
        ({"section": "Fig. 3, raw data netperf.xlsx"}, "raw data is confidence R"),
        ({"confidence": "V"}, "needs a location naming document"),
        ({"section": "'Memory requirements'", "confidence": "V"}, "cannot come from FEL14"),
        ({"confidence": "D"}, "must say how"),
        ({"confidence": "S"}, "unknown confidence"),
        ({"source": "FEL15"}, "unknown source"),
    ],
)
def test_the_check_names_what_is_inexact(changes, complaint):
    found = data.problems(_row(**changes))
    assert any(complaint in p for p in found), found


def test_confidence_vocabulary_is_defined_once_in_the_module():
    raw = json.loads((ROOT / "virtlab/data/measurements.json").read_text(encoding="utf-8"))
    assert "confidence" not in raw, "the vocabulary lives in virtlab/data/__init__.py only"
    assert data.confidence_levels() == {k: c.meaning for k, c in data.CONFIDENCE.items()}
    assert {m.confidence for m in ROWS} <= set(data.CONFIDENCE)
    for kind in ("text", "figure", "raw data", "derived"):
        assert any(kind in c.meaning for c in data.CONFIDENCE.values()), kind


def test_cite_with_confidence_comes_from_the_row():
    m = data.measurement("fel14-tcp-rr-native")
    assert m.cite(confidence=True) == f"{m.source} {m.section}, confidence {m.confidence}"
    assert data.cite("fel14-tcp-rr-native", "fel14-tcp-rr-kvm") == m.cite()  # one, not two


# --- what issue 14 found, kept true -----------------------------------------------------


def _says(mid: str, *words: str) -> None:
    text = data.measurement(mid).description
    for word in words:
        assert word in text, f"{mid} should say {word!r}: {text}"


def test_netperf_latencies_are_raw_data_and_docker_nat_read_off_the_figure():
    for mid in ("fel14-tcp-rr-native", "fel14-tcp-rr-kvm", "fel14-udp-rr-native"):
        assert data.measurement(mid).confidence == "R"
        assert "raw data" in data.measurement(mid).section
    assert data.measurement("fel14-tcp-rr-docker-nat").confidence == "F"


def test_fio_iops_are_in_figure_6_only():
    rows = [r for r in ROWS if r.id.startswith("fel14-fio-rand-")]
    assert len(rows) == 6
    for m in rows:
        assert "Fig. 6" in m.section and "Fig. 7" not in m.section and "6-7" not in m.section


def test_firecracker_boot_times_say_pre_configured_and_qemu_is_timed_from_launch():
    _says("aga20-boot-firecracker-median", "pre-configured", "last API call")
    _says("aga20-boot-firecracker-p99", "pre-configured")
    _says("aga20-boot-qemu", "launch of the QEMU process")
    launch = data.value("aga20-boot-firecracker-launch-median")
    assert launch > data.value("aga20-boot-firecracker-median")


def test_other_rows_say_what_their_papers_say():
    _says("you19-slowdown-memory-allocation-gvisor", "relative to native, not runc", "40%")
    _says("aga20-vmm-memory-firecracker", "2.49 MiB", "around 3MB")
    _says("bar03-lmbench-context-switch-native", "uniprocessor", "2 processes", "0 KB")
    _says("bar03-lmbench-fork-native", "uniprocessor", "SMP")
    _says("vik20-deploy-time-gvisor", "two of", "Redis", "ptrace", "nested virtualization")
    _says("vik20-deploy-time-kata", "two of", "Redis")
    _says("man17-memory-1000-debian-vm", "111 MB per VM")
    _says("man17-memory-unikernel", "patched")
    _says("anj20-host-syscalls-gvisor", "without host networking")
    assert data.value("anj20-host-syscalls-gvisor-host-network") == 68


# --- course text cites through the rows -------------------------------------------------

KEYS = "|".join(map(re.escape, data.sources()))
# A source key followed by a location: "(FEL14 sec. III-F", "AGA20 raw data", "BAR03, Table 3".
RETYPED = re.compile(
    rf"\b(?:{KEYS})\b[\s,]*(?:sec\.|Sec\.|§|Tables?\b|Fig(?:ure|s?\.)|raw data|SPECIFICATION)"
)


def _course_texts():
    for folder in ("lessons", "solutions", "exercises"):
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            for i, cell in enumerate(cells):
                yield (
                    f"{folder}/{path.name} cell {i} ({cell['cell_type']})",
                    "".join(cell["source"]),
                )
    # the package's own text (self-checks, bank feedback, figure notes, model notes); the data
    # module itself is where citations are made
    for path in sorted((ROOT / "virtlab").rglob("*.py")):
        if "data" not in path.relative_to(ROOT / "virtlab").parts:
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


TEXTS = list(_course_texts())


def test_course_text_is_scanned():
    assert any("lessons/06" in where for where, _ in TEXTS)
    assert RETYPED.search("as measured (FEL14 sec. III-F, Fig. 3)")
    assert not RETYPED.search("measured by FEL14 in 2014")


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=[w for w, _ in TEXTS])
def test_no_citation_is_retyped(where, text):
    retyped = [m.group(0) for m in RETYPED.finditer(text)]
    assert not retyped, (
        f"{where} retypes {retyped}: print the citation from the row instead, "
        "e.g. data.measurement(id).cite() or data.cite(*ids)"
    )


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=[w for w, _ in TEXTS])
def test_firecracker_110_ms_is_called_pre_configured(where, text):
    if re.search(r"\b110 ms\b", text):
        assert "pre-configured" in text, f"{where} quotes AGA20's 110 ms without 'pre-configured'"


# --- every source key a lesson uses is expanded in that lesson --------------------------------

SOURCE_LIST_CALL = re.compile(r"source_list\(([^)]*)\)")


def _lesson_text(cells: list[dict]) -> str:
    """A lesson's sources and printed text outputs, where its source keys show up."""
    parts = []
    for cell in cells:
        parts.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_each_source_key_a_lesson_uses_is_listed_in_full_there(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    text = _lesson_text(cells)
    used = {key for key in data.sources() if re.search(rf"(?<![\w-]){re.escape(key)}\b", text)}
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    listed = {
        k for call in SOURCE_LIST_CALL.findall(code) for k in re.findall(r"\"([^\"]+)\"", call)
    }
    missing = sorted(used - listed)
    assert not missing, (
        f"{path.name} cites {missing} but never prints their full reference: add them to its "
        "data.source_list(...) cell"
    )


def test_source_list_prints_full_references_and_names_unknown_keys():
    assert data.source_list("FEL14", "BAR03").splitlines() == [
        f"FEL14: {data.sources()['FEL14']['citation']}",
        f"BAR03: {data.sources()['BAR03']['citation']}",
    ]
    with pytest.raises(KeyError, match="'FEL15'.*known: .*FEL14"):
        data.source_list("FEL14", "FEL15")
