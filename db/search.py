"""Finding records by any part of their text: one module, one index.

Each live record has one document in search_doc: its searchable fields, normalised
(case-folded, accents stripped, full-width forms folded) one per line, plus bigram
tokens of its short fields. On SQLite two FTS5 indexes sit over that table: trigrams
answer substrings of 3+ characters, bigrams answer 1-2 character queries (a Chinese
given name like 小明). Other databases use a LIKE over the same documents; the place
for a PostgreSQL pg_trgm index is PlainIndex.
"""
from __future__ import annotations

import functools
import re
import unicodedata

from peewee import SQL, NodeList

from db.models import database

KINDS = ("contact", "company", "deal", "ticket")
_WORD = re.compile(r"[^\W_]+")
_PHONE_QUERY = re.compile(r"^\+?[\d\s().\-/]{3,}$")


def normalize(value: str) -> str:
    """What is compared: 'Zoë ÅSTRÖM' -> 'zoe astrom', 'ＡＢＣ' -> 'abc'."""
    if value.isascii():
        return value.lower()  # the common case, and casefold() == lower() for ASCII
    return _fold(value)


@functools.lru_cache(maxsize=1 << 16)  # names, cities and companies repeat: fold each once
def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped.casefold())


def grams(value: str) -> str:
    """Bigram tokens of every word, plus each word's last character alone, so that
    any 1- or 2-character substring of a word is a token or a token prefix."""
    out: dict[str, None] = {}
    for word in _WORD.findall(normalize(value)):
        out.update(_word_grams(word))
    return " ".join(out)


@functools.lru_cache(maxsize=1 << 16)  # names and company words repeat: an import of 100k rows has a few thousand
def _word_grams(word: str) -> dict[str, None]:
    """One word's tokens, in order (read only: the cache hands out the same dict)."""
    return dict.fromkeys([*(word[i:i + 2] for i in range(len(word) - 1)), word[-1]])


_NON_DIGIT = re.compile(r"\D")


def _digits(value: str) -> str:
    return _NON_DIGIT.sub("", value)


def document(fields: list, short_fields: list) -> tuple[str, str]:
    """(text, grams) for a record: every field for substring search (a phone as its
    digits, which is what a phone-like query becomes), the short ones (names) also
    as bigrams for 1-2 character queries."""
    lines = []
    for f in fields:
        if not f:
            continue
        f = str(f)
        lines.append(_digits(f) if f[0] in _PHONE_START and _PHONE_QUERY.match(f) else f)  # digits: ascii
    return "\n".join(dict.fromkeys(map(normalize, lines))), grams(" ".join(str(f) for f in short_fields if f))


_PHONE_START = frozenset("+0123456789().-/ \t\n\r\f\v")  # what _PHONE_QUERY can start with


def _limit(limit: int | None) -> str:
    return f" LIMIT {int(limit)}" if limit else ""


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class PlainIndex:
    """Substring search with LIKE over the documents: correct on any database."""

    def put(self, kind: str, ref_id: int, text: str, grams_: str) -> None:
        db = database.obj
        exists = db.execute_sql(
            "SELECT id FROM search_doc WHERE kind = %s AND ref_id = %s" % (db.param, db.param),
            (kind, ref_id)).fetchone()
        if exists:
            db.execute_sql(
                "UPDATE search_doc SET text = %s, grams = %s WHERE id = %s" % ((db.param,) * 3),
                (text, grams_, exists[0]))
        else:
            db.execute_sql(
                "INSERT INTO search_doc (kind, ref_id, text, grams) VALUES (%s, %s, %s, %s)" % ((db.param,) * 4),
                (kind, ref_id, text, grams_))

    def put_many(self, docs) -> None:
        from db import bulk

        docs = list({(d[0], d[1]): d for d in docs}.values())  # one statement may not update a row twice
        for start in range(0, len(docs), 5000):
            bulk.insert("search_doc", ("kind", "ref_id", "text", "grams"), docs[start:start + 5000],
                        "ON CONFLICT (kind, ref_id) DO UPDATE SET text = excluded.text, grams = excluded.grams")

    def remove(self, kind: str, ids) -> None:
        db = database.obj
        ids = list(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            db.execute_sql(
                "DELETE FROM search_doc WHERE kind = %s AND ref_id IN (%s)" % (db.param, ", ".join([db.param] * len(chunk))),
                (kind, *chunk))

    def matching(self, terms: list[str], kinds) -> tuple[str, list, str]:
        """(FROM ... WHERE ..., its parameters, the cheap sort column) for documents
        holding every term."""
        p = database.obj.param
        likes = " AND ".join([f"d.text LIKE {p} ESCAPE '\\'"] * len(terms))
        params = ["%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for t in terms]
        return (f"FROM search_doc d WHERE {likes} AND d.kind IN ({', '.join([p] * len(kinds))})",
                [*params, *kinds], "d.id")

    def find(self, terms: list[str], kinds, limit: int | None) -> list[tuple[str, int]]:
        source, params, order = self.matching(terms, kinds)
        sql = f"SELECT d.kind, d.ref_id {source} ORDER BY {order}{_limit(limit)}"
        return [tuple(r) for r in database.obj.execute_sql(sql, params).fetchall()]


class SqliteIndex(PlainIndex):
    """FTS5 over the same documents. The FTS tables are external-content tables kept
    in step here, set-based: old entries out, documents written, new entries in."""

    FTS = (("search_trigram", "text"), ("search_bigram", "grams"))

    def _fts(self, action: str, keys: list[tuple[str, int]]) -> None:
        """Add ('add') or remove ('delete') the FTS entries of these documents."""
        db = database.obj
        by_kind: dict[str, list[int]] = {}
        for kind, ref_id in keys:
            by_kind.setdefault(kind, []).append(ref_id)
        for kind, ids in by_kind.items():
            for start in range(0, len(ids), 900):
                chunk = ids[start:start + 900]
                where = f"kind = ? AND ref_id IN ({', '.join('?' * len(chunk))})"
                for table, column in self.FTS:
                    if action == "delete":
                        db.execute_sql(f"INSERT INTO {table}({table}, rowid, {column}) "
                                       f"SELECT 'delete', id, {column} FROM search_doc WHERE {where}", [kind, *chunk])
                    else:
                        db.execute_sql(f"INSERT INTO {table}(rowid, {column}) "
                                       f"SELECT id, {column} FROM search_doc WHERE {where}", [kind, *chunk])

    def put(self, kind, ref_id, text, grams_):
        self.put_many([(kind, ref_id, text, grams_)])

    def put_many(self, docs) -> None:
        docs = list(docs)
        if not docs:
            return
        keys = [(k, i) for k, i, _, _ in docs]
        self._fts("delete", keys)
        database.obj.cursor().executemany(
            "INSERT INTO search_doc (kind, ref_id, text, grams) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind, ref_id) DO UPDATE SET text = excluded.text, grams = excluded.grams", docs)
        self._fts("add", keys)

    def remove(self, kind: str, ids) -> None:
        ids = list(ids)
        self._fts("delete", [(kind, i) for i in ids])
        super().remove(kind, ids)

    def find(self, terms, kinds, limit):
        letter = terms[0] if len(terms) == 1 and len(terms[0]) == 1 and terms[0].isalnum() else None
        if limit and letter and _common(kinds, letter):
            # A common letter: the first page is nearer walking the documents in order
            # than collecting every match from the bigram index (same answer: matches()).
            # (+kind: not by the kind index, which would collect every document of the kind and sort them)
            sql = (f"SELECT kind, ref_id FROM search_doc WHERE +kind IN ({', '.join('?' * len(kinds))}) "
                   f"AND instr(grams, ?) > 0 ORDER BY id{_limit(limit)}")
            return [tuple(r) for r in database.obj.execute_sql(sql, [*kinds, letter]).fetchall()]
        return super().find(terms, kinds, limit)

    def matching(self, terms, kinds):
        long_terms = [t for t in terms if len(t) >= 3]
        short_terms = [t for t in terms if len(t) < 3]
        if long_terms:
            # Trigram index (no positions kept): documents holding every trigram of
            # every term; instr() then checks each term is really there as a substring.
            trigrams = dict.fromkeys(t[i:i + 3] for t in long_terms for i in range(len(t) - 2))
            source, query, checks = "search_trigram", " AND ".join(map(_quote, trigrams)), terms
        elif all(c.isalnum() for t in short_terms for c in t):
            # Bigram index: a 2-character term is a token, a 1-character one a prefix.
            source, checks = "search_bigram", []
            query = " AND ".join(_quote(t) + ("*" if len(t) == 1 else "") for t in short_terms)
        else:
            return super().matching(terms, kinds)  # punctuation-only short query: rare; scan
        filters = [f"{source} MATCH ?", *["instr(d.text, ?) > 0"] * len(checks)]
        # CROSS JOIN pins the FTS table as the outer loop (SQLite otherwise may run the
        # MATCH once per document); FTS hands rows back in rowid order, so ORDER BY
        # f.rowid costs no sort.
        return (f"FROM {source} f CROSS JOIN search_doc d ON d.id = f.rowid WHERE {' AND '.join(filters)} "
                f"AND d.kind IN ({', '.join('?' * len(kinds))})", [query, *checks, *kinds], "f.rowid")


def index():
    from db.store import is_sqlite

    return SqliteIndex() if is_sqlite() else PlainIndex()


def query_terms(query: str) -> list[str]:
    """The words to look for. A phone-looking query becomes its digits."""
    q = query.strip()
    if _PHONE_QUERY.match(q) and len(_digits(q)) >= 3:
        return [_digits(q)]
    return [t for t in normalize(q).split() if t]


def find(query: str, kinds=KINDS, limit: int | None = 50) -> list[tuple[str, int]]:
    """(kind, id) of records matching every word of the query, oldest first."""
    terms = query_terms(query)
    if not terms:
        return []
    return index().find(terms, list(kinds), limit)


# A one-letter search can match most of a big store, and collecting every match from
# the bigram index costs ~70 ms at 100k contacts. When a letter is that common, a list
# in name order finds its first page sooner by walking the list and checking each
# record's own grams (instr on the stored document: the same answer as the index).
# A list that reads a page and counts only up to a cap (the app's, as a person types)
# does the same for any common query: 'smith' is in 90k of 1M contacts, and collecting
# and sorting them all took 0.4 s a keystroke; walking finds a page in milliseconds,
# and count_up_to() counts the first matches in document order.
SAMPLE, COMMON = 2000, 100  # "common": in at least 5% of a sample of documents


def _walkable(terms: list[str]) -> str | None:
    """The stored column that answers these terms by instr() exactly as the index does:
    text for a query with a 3+ character term (the trigram path checks every term in
    the text), grams for letters and pairs (a pair is a whole token, a letter starts
    one); None for short punctuation (a LIKE scan either way)."""
    if any(len(t) >= 3 for t in terms):
        return "text"
    return "grams" if all(c.isalnum() for t in terms for c in t) else None


def walking(kind: str, query: str, capped: bool = False) -> str | None:
    """The column to walk with for this query on this kind, or None to use the index:
    SQLite, a common query, and a single letter or a capped list."""
    from db.store import is_sqlite

    terms = query_terms(query)
    letter = len(terms) == 1 and len(terms[0]) == 1 and terms[0].isalnum()
    column = _walkable(terms) if terms and (letter or capped) and is_sqlite() else None
    return column if column and _common(kind, *terms, column=column) else None


def matches(id_column, kind: str, query: str, capped: bool = False):
    """A WHERE condition: the record whose id is in id_column matches the query.
    capped: the caller reads a page and counts with count_up_to() (walk any common query)."""
    column = walking(kind, query, capped)
    if column:
        checks = [NodeList((SQL(f"instr((SELECT sd.{column} FROM search_doc sd WHERE sd.kind = ? AND sd.ref_id =",
                                [kind]), id_column, SQL("), ?) > 0", [t]))) for t in query_terms(query)]
        return functools.reduce(lambda a, b: a & b, checks)
    return id_column.in_(ids_matching(query, kind))


def count_up_to(kind: str, table: str, query: str, cap: int) -> int:
    """How many live records of kind (in table, with its deleted_at) match, counting at
    most cap: the first matches in document order, by the index or, for a common query,
    by walking the documents (SQLite; same answer)."""
    column = walking(kind, query, capped=True)
    if column:
        source = (f"FROM search_doc d WHERE +d.kind = ? AND "
                  + " AND ".join([f"instr(d.{column}, ?) > 0"] * len(query_terms(query))))
        params = [kind, *query_terms(query)]
    else:
        source, params, _ = index().matching(query_terms(query), [kind])
    live = f"EXISTS (SELECT 1 FROM {table} r WHERE r.id = d.ref_id AND r.deleted_at IS NULL)"  # one lookup a match
    sql = f"SELECT count(*) FROM (SELECT 1 {source} AND {live} LIMIT {int(cap)}) AS first_hits"
    return database.obj.execute_sql(sql, params).fetchone()[0]


def _common(kinds, *terms: str, column: str = "grams") -> bool:
    """Whether the terms are all in at least 5% of a sample of these kinds' documents,
    evenly spread over the documents (only a choice of plan: both give the same rows)."""
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    db = database.obj
    # (one of min or max per SELECT: SQLite reads each off the end of the index, not all rows)
    low, high = db.execute_sql("SELECT (SELECT min(id) FROM search_doc), (SELECT max(id) FROM search_doc)").fetchone()
    if low is None:
        return False
    ids = ",".join(map(str, range(low, high + 1, max(1, (high - low + 1) // SAMPLE))))
    found = " AND ".join(["instr(" + column + ", ?) > 0"] * len(terms))
    sql = (f"SELECT count(*), coalesce(sum({found}), 0) FROM search_doc WHERE id IN ({ids}) "
           f"AND kind IN ({', '.join('?' * len(kinds))})")
    sampled, matched = db.execute_sql(sql, (*terms, *kinds)).fetchone()
    return matched > 0 and matched * SAMPLE >= COMMON * sampled


def ids_matching(query: str, kind: str):
    """A subquery of the ids of one kind matching the query, for `Model.id.in_(...)`
    filters in list views (no cap, no ids shipped through Python)."""
    terms = query_terms(query)
    if not terms:
        return SQL("(SELECT ref_id FROM search_doc WHERE kind = %s)" % database.obj.param, [kind])
    source, params, _ = index().matching(terms, [kind])
    return SQL(f"(SELECT d.ref_id {source})", params)
