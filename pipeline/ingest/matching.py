"""Match column headers (or question cells of a vertical form) to codebook questions.

Order of trust: an exact code (``A02``, ``B03__jumelage``, LimeSurvey ``B03[SQ003]``, Kobo
``B_actions/B03`` or ``B03/ecsi``, a leading code ``A02 - ...``); then the label or a synonym
folded by :func:`normalize_label`; then a per-modality form (``label : modality``,
``label [modality]``); then a fuzzy match (rapidfuzz) above a threshold. Survey-tool timestamps
(``submitdate``, ``Horodateur``) feed the response date only when no better column does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from pipeline.common.text import normalize_label
from pipeline.domain.codebook import Codebook, Question

# normalize_label is pure: cache it, headers and answers repeat across thousands of files.
norm = normalize_label  # cached in pipeline.common.text

# Tiers: lower wins when two columns claim the same target; a tie is a conflict. A stale column
# (« Date de réponse (rappel 2024) ») and an option label naming several options are never read.
TIER_CODE, TIER_LABEL, TIER_FUZZY, TIER_TOOL, TIER_STALE, TIER_AMBIGUOUS = 0, 1, 2, 3, 4, 5
METHOD_TIER = {"code": TIER_CODE, "label": TIER_LABEL, "modality": TIER_LABEL, "fuzzy": TIER_FUZZY, "tool": TIER_TOOL,
               "stale": TIER_STALE, "ambiguous": TIER_AMBIGUOUS}

# Timestamps added by survey tools: they give the response date (A14) when nothing else does.
TOOL_TIMESTAMPS = frozenset(
    norm(t)
    for t in (
        "submitdate", "Horodateur", "Horodatage", "Timestamp", "_submission_time", "datestamp", "Date de soumission",
        "Date d'envoi", "Date de la dernière action", "end",
    )
)
# Columns survey tools add that carry no answer (listed as unmapped, without a warning).
TOOL_COLUMNS = frozenset(
    norm(t)
    for t in (
        "id", "lastpage", "startlanguage", "seed", "token", "refurl", "ipaddr", "startdate", "interviewtime",
        "_id", "_uuid", "_index", "_status", "_validation_status", "_submitted_by", "__version__", "_version_",
        "_notes", "_tags", "_parent_index", "_parent_table_name", "meta/instanceID", "instanceID", "start",
        "today", "deviceid", "username", "simserial", "subscriberid", "phonenumber", "Adresse e-mail",
        "Score", "Total score", "formhub/uuid", "meta/rootUuid", "_attachments", "_geolocation",
        # French LimeSurvey / Forms exports
        "ID de la réponse", "Identifiant de la réponse", "Dernière page", "Langue de départ", "Tête de série",
        "Date de lancement", "Adresse IP", "URL référente", "Nom d'utilisateur", "Temps total",
    )
)

# An aside saying the column recalls an earlier answer: « (rappel 2024) », « [pour mémoire] »,
# « (réponse 2024) ». Years alone are not enough: « Budget (2024) » is this wave's N-1 budget.
_ASIDE = re.compile(r"^(.*?)\s*[(\[]\s*([^()\[\]]*?)\s*[)\]]\s*$", re.DOTALL)
_STALE = re.compile(r"\b(?:rappel|pour memoire|p m|memo)\b|\b(?:reponses?|enquete|vague|questionnaire|saisie)\s+(?:19|20)\d\d\b")
_STALE_LEAD = re.compile(r"^\s*rappel\b[\s\d:–—-]*", re.IGNORECASE)
# An aside saying the column holds answer codes: « Type de collectivité (code) »
_CODED = re.compile(r"codes?|codes? (?:de )?reponses?|valeurs? codees?|codage|code de la reponse")
# Words an abbreviated option label skips (« Éduc. citoyenneté » for « Éducation à la citoyenneté »)
_OPTION_STOP = frozenset({"et", "ou", "de", "des", "du", "la", "le", "les", "l", "d", "a", "au", "aux", "en", "and"})
# Abbreviations that are not the start of their word
_WORD_ABBREVIATIONS = {"dvt": "developpement", "dvpt": "developpement", "devt": "developpement",
                       "intl": "international", "intle": "internationale", "gvt": "gouvernement", "ste": "societe"}

_FILLERS = frozenset(
    "votre vos notre nos la le les de des du d l a au aux en et pour par sur est il elle t ce cette quel quels "
    "quelle quelles on y un une s qu que qui dans avec".split()
)
_ABBREVIATIONS = {"nb": "nombre", "nbre": "nombre", "no": "numero", "num": "numero", "tel": "telephone"}


@lru_cache(maxsize=1 << 15)
def loosen(text: str) -> str:
    """Label folded further: asides, years and filler words dropped, abbreviations expanded."""
    text = re.sub(r"\(.*?\)|\*", " ", text)
    words = [_ABBREVIATIONS.get(w, w) for w in norm(text).split()]
    return " ".join(w for w in words if w not in _FILLERS and not re.fullmatch(r"(?:19|20)\d\d", w))


_CODE = re.compile(r"([A-Za-z]\d{2})")
_FULL_CODE = re.compile(r"([A-Z]\d{2})(?:__([a-z0-9_]+)|\s*\[\s*([^\]]+?)\s*\]|_?(SQ\d+))?", re.IGNORECASE)
_LEADING_CODE = re.compile(
    r"([A-Z]\d{2}(?:__[a-z0-9_]+|\[[^\]]+\]|_?SQ\d+)?)\s*(?:[-–—:.)]\s*|\s)(.+)", re.IGNORECASE | re.DOTALL
)
_SQ = re.compile(r"SQ0*(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """A codebook question, or one modality of a multi-select question (``slug``)."""

    code: str
    slug: str = ""

    @property
    def column(self) -> str:
        return f"{self.code}__{self.slug}" if self.slug else self.code


@dataclass(frozen=True)
class HeaderMatch:
    target: Target
    method: str  # code | label | modality | fuzzy | tool | stale | ambiguous
    score: float = 100.0
    coded: bool = False  # the header says the column holds answer codes
    candidates: tuple[str, ...] = ()  # ambiguous: the option slugs an abbreviated label could name

    @property
    def tier(self) -> int:
        return METHOD_TIER[self.method]


class HeaderMatcher:
    """Header text -> HeaderMatch for one codebook; results are cached per text."""

    def __init__(self, codebook: Codebook, fuzzy_threshold: float = 88.0) -> None:
        self.codebook = codebook
        self.fuzzy_threshold = float(fuzzy_threshold)
        self.questions: dict[str, Question] = {q.code: q for q in codebook}
        self.question_keys: dict[str, str] = {}
        for q in codebook:
            for text in (q.label, *q.synonyms):
                key = norm(text)
                if key:
                    self.question_keys.setdefault(key, q.code)
        self._fuzzy_keys = [k for k in self.question_keys if len(k) >= 5]
        # filler-free forms, kept only when they point to a single question
        owners: dict[str, set[str]] = {}
        for q in codebook:
            for text in (q.label, *q.synonyms):
                owners.setdefault(loosen(text), set()).add(q.code)
        self.loose_keys = {k: next(iter(v)) for k, v in owners.items() if k and len(v) == 1}
        self._prefix_keys = [k for k in self.loose_keys if " " in k]
        self._loose_fuzzy = [k for k in self.loose_keys if len(k) >= 6]
        self.modality_keys: dict[str, dict[str, str]] = {}
        for q in codebook:
            if q.type != "multi":
                continue
            keys: dict[str, str] = {}
            for m in q.modalities:
                for text in (m.label, *m.synonyms, m.slug):
                    key = norm(text)
                    if key:
                        keys.setdefault(key, m.slug)
            self.modality_keys[q.code] = keys
        # option labels of every question with modalities (one-choice questions in option rows)
        self.option_keys: dict[str, dict[str, str]] = {}
        for q in codebook:
            if q.modalities:
                okeys: dict[str, str] = {}
                for m in q.modalities:
                    for text in (m.label, *m.synonyms, m.slug):
                        key = norm(text)
                        if key:
                            okeys.setdefault(key, m.slug)
                self.option_keys[q.code] = okeys
        self._option_cache: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
        self._cache: dict[str, HeaderMatch | None] = {}

    # -- public ---------------------------------------------------------------------------
    def match(self, header: object) -> HeaderMatch | None:
        """Best match for one header cell, or None."""
        if header is None or isinstance(header, (bool, int, float)):
            return None
        text = str(header)
        try:
            return self._cache[text]
        except KeyError:
            pass
        result = self._match(text.strip()) if text.strip() else None
        if len(self._cache) < 200_000:
            self._cache[text] = result
        return result

    def match_cells(self, cells: list) -> dict[int, HeaderMatch]:
        """Matches of the text cells of one row (or column), by position.

        Layout detection calls this on every cell of the first rows: cached texts are read
        straight from the cache, without a call to :meth:`match` each.
        """
        out: dict[int, HeaderMatch] = {}
        cache = self._cache
        for i, v in enumerate(cells):
            if v.__class__ is str and v:
                m = cache[v] if v in cache else self.match(v)
                if m is not None:
                    out[i] = m
        return out

    def option_slug(self, code: str, text: object) -> tuple[str, tuple[str, ...]]:
        """The option of question ``code`` an option label names: (slug, ()) when one does,
        ("", candidate slugs) when an abbreviation fits several, ("", ()) when none.

        Exact label or synonym first; then an abbreviation (« Attractivité éco. », « Afrique
        subsah. »: each word the start of the next word of the label, small words skipped);
        then a close spelling (rapidfuzz ratio above the threshold).
        """
        keys = self.option_keys.get(code)
        if not keys or text.__class__ is not str:
            return "", ()
        key = norm(text)
        if not key:
            return "", ()
        hit = keys.get(key)
        if hit:
            return hit, ()
        cached = self._option_cache.get((code, key))
        if cached is not None:
            return cached
        words = key.split()
        found = sorted({slug for k, slug in keys.items() if _abbreviates(words, k)})
        result: tuple[str, tuple[str, ...]] = ("", ())
        if len(found) == 1:
            result = (found[0], ())
        elif found:
            result = ("", tuple(found))
        elif len(key) >= 4:
            best = process.extractOne(key, list(keys), scorer=fuzz.ratio, score_cutoff=self.fuzzy_threshold)
            if best:
                result = (keys[best[0]], ())
        if len(self._option_cache) < 50_000:
            self._option_cache[(code, key)] = result
        return result

    def option_match(self, code: str, text: object) -> HeaderMatch | None:
        """The option ``text`` names, as a match (``ambiguous`` when it could name several)."""
        slug, candidates = self.option_slug(code, text)
        if slug:
            return HeaderMatch(Target(code, slug), "modality")
        if candidates:
            return HeaderMatch(Target(code), "ambiguous", 0.0, candidates=candidates)
        return None

    def is_tool_column(self, header: object) -> bool:
        """True for columns survey tools add (LimeSurvey id, Kobo _uuid...)."""
        text = str(header).strip()
        return norm(text) in TOOL_COLUMNS or text.startswith("_") or text.lower().startswith("meta/")

    # -- internals -------------------------------------------------------------------------
    def _match(self, text: str) -> HeaderMatch | None:
        aside = _ASIDE.fullmatch(text) if text.endswith((")", "]")) else None
        if aside and aside.group(1).strip():
            inner = normalize_label(aside.group(2))
            if _STALE.search(inner) or _CODED.fullmatch(inner):
                bare = self._match(aside.group(1).strip())
                if bare is None or bare.method in ("stale", "ambiguous"):
                    return bare
                if _STALE.search(inner):
                    return HeaderMatch(bare.target, "stale", bare.score)
                return HeaderMatch(bare.target, bare.method, bare.score, coded=True)
        lead = _STALE_LEAD.match(text)
        if lead and text[lead.end():].strip():
            bare = self._match(text[lead.end():].strip())
            return None if bare is None else HeaderMatch(bare.target, "stale", bare.score)
        code_match = self._match_code(text)
        if code_match is not None:
            return code_match
        if "/" in text:
            path_match = self._match_path(text)
            if path_match is not None:
                return path_match
        key = norm(text)
        if not key:
            return None
        if key in TOOL_TIMESTAMPS and "A14" in self.questions:
            # the submission time beats the form's "end" time when a tool exports both
            late = key in {"end", "datestamp", "date de la derniere action"}
            return HeaderMatch(Target("A14"), "tool", 50.0 if late else 100.0)
        code = self.question_keys.get(key)
        if code is not None:
            return HeaderMatch(Target(code), "label")
        modality, unknown_option = self._match_modality_form(text)
        if modality is not None:
            return modality
        if unknown_option:
            return None  # unmapped (and reported), not read as the whole question
        if "(" in text or "*" in text:
            # an aside: "Type de collectivité (obligatoire)", "Population (INSEE)", "Nom *"
            bare = norm(re.sub(r"\(.*?\)|\*", " ", text))
            code = self.question_keys.get(bare)
            if code is not None:
                # below an exact label: « Date de réponse » beats « Date de réponse (jj/mm/aaaa) »
                return HeaderMatch(Target(code), "fuzzy", 99.5)
        loose = self._match_loose(text) or self._match_fuzzy(key)
        if loose is None and "\n" in text.strip():
            # label on the first line, help text below: "Budget (euros)\nIndiquez le total"
            first = self._match(text.strip().split("\n", 1)[0].strip())
            if first is not None:
                return first
        return loose

    def _match_loose(self, text: str) -> HeaderMatch | None:
        """Label without filler words ('Nom de votre collectivité'), or starting with a label."""
        loose = loosen(text)
        if not loose:
            return None
        code = self.loose_keys.get(loose)
        if code:
            return HeaderMatch(Target(code), "fuzzy", 99.0)
        best = ""
        for key in self._prefix_keys:
            if loose.startswith(key + " ") and len(key) > len(best):
                best = key
        if best:
            return HeaderMatch(Target(self.loose_keys[best]), "fuzzy", 90.0)
        found = process.extractOne(loose, self._loose_fuzzy, scorer=fuzz.ratio, score_cutoff=self.fuzzy_threshold)
        if found:
            return HeaderMatch(Target(self.loose_keys[found[0]]), "fuzzy", float(found[1]))
        return None

    def _match_code(self, text: str) -> HeaderMatch | None:
        m = _FULL_CODE.fullmatch(text)
        if m:
            return self._code_target(m.group(1).upper(), m.group(2) or m.group(3) or m.group(4) or "")
        m = _LEADING_CODE.fullmatch(text)
        if m and m.group(1)[:3].upper() in self.questions:
            head, rest = m.group(1), m.group(2).strip()
            inner = _FULL_CODE.fullmatch(head)
            if inner is None:
                return None
            code = inner.group(1).upper()
            sub = inner.group(2) or inner.group(3) or inner.group(4) or ""
            if sub:
                return self._code_target(code, sub)
            q = self.questions[code]
            if q.type == "multi":
                slug = self._modality_in_text(q, rest)
                if slug:
                    return HeaderMatch(Target(code, slug), "code")
            return HeaderMatch(Target(code), "code")
        return None

    def _code_target(self, code: str, sub: str) -> HeaderMatch | None:
        q = self.questions.get(code)
        if q is None:
            return None
        if not sub:
            return HeaderMatch(Target(code), "code")
        if q.type != "multi":
            return None
        slug = self._modality_from_sub(q, sub)
        return HeaderMatch(Target(code, slug), "code") if slug else None

    def _modality_from_sub(self, q: Question, sub: str) -> str:
        """Modality from a subquestion code: slug, SQ003 (3rd modality), 3, or a label."""
        sub = sub.strip()
        for m in q.modalities:
            if m.slug == sub:
                return m.slug
        sq = _SQ.fullmatch(sub) or re.fullmatch(r"0*(\d+)", sub)
        if sq:
            n = int(sq.group(1))
            return q.modalities[n - 1].slug if 1 <= n <= len(q.modalities) else ""
        return self.modality_keys[q.code].get(norm(sub), "")

    def _match_path(self, text: str) -> HeaderMatch | None:
        """Kobo group paths: 'B_actions/B03', 'B03/ecsi', 'grp/B03/ecsi', 'Label/Modality'."""
        parts = [p.strip() for p in text.split("/") if p.strip()]
        if not parts:
            return None
        last = parts[-1]
        if _CODE.fullmatch(last) and last.upper() in self.questions:
            return HeaderMatch(Target(last.upper()), "code")
        if len(parts) >= 2:
            prev = parts[-2]
            if _CODE.fullmatch(prev) and prev.upper() in self.questions:
                return self._code_target(prev.upper(), last)
            code = self.question_keys.get(norm(prev))
            if code and self.questions[code].type == "multi":
                slug = self.modality_keys[code].get(norm(last), "")
                if slug:
                    return HeaderMatch(Target(code, slug), "modality")
        code = self.question_keys.get(norm(last))
        if code:
            return HeaderMatch(Target(code), "label")
        return None

    def _modality_in_text(self, q: Question, text: str) -> str:
        """Modality named after the question label: 'Types d'actions menées : Jumelage'."""
        keys = self.modality_keys[q.code]
        for qpart, mpart in _splits(text):
            slug = keys.get(norm(mpart))
            if slug:
                return slug
        return keys.get(norm(text), "")

    def _match_modality_form(self, text: str) -> tuple[HeaderMatch | None, bool]:
        """(match, True when a multi-select question names an option the codebook lacks)."""
        unknown_option = False
        for qpart, mpart in _splits(text):
            qkey = norm(qpart)
            code = self.question_keys.get(qkey) or self._fuzzy_code(qkey)
            if not code or self.questions[code].type != "multi":
                continue
            option = self.option_match(code, mpart)
            if option is not None:
                return option, False
            if mpart.strip() and "[" in text:
                # "Types d'actions menées [Autre]": a subquestion the codebook does not know
                unknown_option = True
        return None, unknown_option

    def _fuzzy_code(self, key: str) -> str | None:
        if len(key) < 5:
            return None
        found = process.extractOne(key, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=self.fuzzy_threshold)
        return self.question_keys[found[0]] if found else None

    def _match_fuzzy(self, key: str) -> HeaderMatch | None:
        if len(key) < 5:
            return None
        found = process.extractOne(key, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=self.fuzzy_threshold)
        if not found:
            return None
        return HeaderMatch(Target(self.question_keys[found[0]]), "fuzzy", float(found[1]))


def _abbreviates(words: list[str], key: str) -> bool:
    """True when ``words`` (an option label, folded) abbreviate the option key ``key``: each word
    the start of the next word of the key (the key's small words skipped), or a known
    abbreviation of it; a small word of the label that fits nothing is skipped too (« d'au. »
    is « d'autres »); fewer words than the key is fine (« Relations consulaires » for
    « Relations consulaires et accueil de délégations »)."""
    if not words or sum(len(w) for w in words if w not in _OPTION_STOP) < 3:
        return False
    long = [w for w in key.split() if w not in _OPTION_STOP]

    def fit(i: int, j: int) -> bool:
        if i == len(words):
            return True
        w = words[i]
        if j < len(long) and (long[j].startswith(w) or _WORD_ABBREVIATIONS.get(w) == long[j]) and fit(i + 1, j + 1):
            return True
        return w in _OPTION_STOP and fit(i + 1, j)

    return fit(0, 0)


def _splits(text: str) -> list[tuple[str, str]]:
    """Candidate (question, modality) splits of a per-modality header."""
    out: list[tuple[str, str]] = []
    m = re.fullmatch(r"(.+?)\s*\[\s*(.+?)\s*\]\s*", text, re.DOTALL)
    if m:
        out.append((m.group(1), m.group(2)))
    for sep in (" : ", ":", " - ", " – ", " — ", "\n", " / ", " > "):
        if sep in text:
            head, _, tail = text.rpartition(sep)
            if head.strip() and tail.strip():
                out.append((head, tail))
            head, _, tail = text.partition(sep)
            if head.strip() and tail.strip():
                out.append((head, tail))
    m = re.fullmatch(r"(.+?)\s*\(\s*(.+?)\s*\)\s*", text, re.DOTALL)
    if m:
        out.append((m.group(1), m.group(2)))
    return out


_MATCHERS: dict[tuple[int, float], HeaderMatcher] = {}


def matcher_for(codebook: Codebook, fuzzy_threshold: float = 88.0) -> HeaderMatcher:
    """A cached HeaderMatcher for this codebook object and threshold."""
    key = (id(codebook), float(fuzzy_threshold))
    matcher = _MATCHERS.get(key)
    if matcher is None or matcher.codebook is not codebook:
        matcher = HeaderMatcher(codebook, fuzzy_threshold)
        _MATCHERS[key] = matcher
    return matcher


def match_header(header: object, codebook: Codebook, fuzzy_threshold: float = 88.0) -> HeaderMatch | None:
    """Match one header text to a codebook question or modality (None when nothing fits)."""
    return matcher_for(codebook, fuzzy_threshold).match(header)


@dataclass(frozen=True)
class Resolution:
    """Columns kept per target, columns beaten by a better one, ties (conflicts), and columns never
    read: stale ones (a reminder of an earlier answer) and ambiguous option labels."""

    kept: dict[int, HeaderMatch]
    beaten: dict[int, tuple[HeaderMatch, int]]  # column -> (its match, winning column)
    conflicts: list[tuple[Target, tuple[int, ...]]]
    hidden_beaten: dict[int, int] = field(default_factory=dict)  # hidden column -> visible column kept
    hidden_kept: tuple[int, ...] = ()  # hidden columns read: nothing visible answers their question
    stale: tuple[int, ...] = ()
    ambiguous: tuple[int, ...] = ()


def resolve_columns(matches: dict[int, HeaderMatch], hidden: frozenset[int] | set[int] = frozenset()) -> Resolution:
    """One column per target: a visible column beats a hidden one; then the best tier wins; a
    tie at the best tier is a conflict. Stale and ambiguous columns are never kept."""
    by_target: dict[Target, list[int]] = {}
    stale: list[int] = []
    ambiguous: list[int] = []
    for col, m in sorted(matches.items()):
        if m.method == "stale":
            stale.append(col)
        elif m.method == "ambiguous":
            ambiguous.append(col)
        else:
            by_target.setdefault(m.target, []).append(col)
    kept: dict[int, HeaderMatch] = {}
    beaten: dict[int, tuple[HeaderMatch, int]] = {}
    hidden_beaten: dict[int, int] = {}
    hidden_kept: list[int] = []
    conflicts: list[tuple[Target, tuple[int, ...]]] = []
    for target, cols in by_target.items():
        shown = [c for c in cols if c not in hidden]
        if shown and len(shown) < len(cols):
            for c in cols:
                if c in hidden:
                    hidden_beaten[c] = min(shown, key=lambda s: (matches[s].tier, s))
            cols = shown
        elif not shown:
            hidden_kept.extend(cols)
        if len(cols) == 1:
            kept[cols[0]] = matches[cols[0]]
            continue
        best = min(matches[c].tier for c in cols)
        top = [c for c in cols if matches[c].tier == best]
        if best == TIER_TOOL:
            # survey-tool timestamps are not answers: take the preferred one, no conflict
            top = [max(top, key=lambda c: (matches[c].score, -c))]
        if len(top) > 1:
            conflicts.append((target, tuple(top)))
            for c in cols:
                if c not in top:
                    beaten[c] = (matches[c], top[0])
            continue
        kept[top[0]] = matches[top[0]]
        for c in cols:
            if c != top[0]:
                beaten[c] = (matches[c], top[0])
    hidden_kept = [c for c in hidden_kept if c in kept]
    return Resolution(kept=dict(sorted(kept.items())), beaten=beaten, conflicts=conflicts, hidden_beaten=hidden_beaten,
                      hidden_kept=tuple(sorted(hidden_kept)), stale=tuple(stale), ambiguous=tuple(ambiguous))
