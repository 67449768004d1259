"""Text handling shared by indexing and querying: normalising, stop words, typo keys."""

import re
import unicodedata

# Question and filler words dropped from queries ("what is paws" → "paws").
STOP_WORDS = frozenset(
    """a about am an and are as at be been being but by can could define definition did do
    does doing for from had has have having how i if im in into is it its me mean meaning
    means my of on or our please should so tell than that the their them then there these
    they this to was we were what whats when where which who why will with would you your""".split()
)

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12
_NON_WORD = re.compile(r"[^\w]+|_+")


def fold(text):
    """Lower case without accents: "Café" → "cafe"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalize(text):
    """Folded words separated by single spaces; punctuation dropped: "12-Step!" → "12 step"."""
    return " ".join(_NON_WORD.sub(" ", fold(text)).split())


def clean_query(raw):
    """What the reader typed, made safe to show and search: printable, trimmed, capped."""
    text = "".join(ch if ch.isprintable() else " " for ch in (raw or ""))
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def query_words(query):
    """The words that carry meaning; all of them if the query is only stop words."""
    words = normalize(query).split()[:MAX_QUERY_WORDS]
    meaningful = [w for w in words if w not in STOP_WORDS]
    return meaningful or words


def stems(words):
    """What a word of an entry must start with to answer each query word: short words
    whole, longer ones without their last letters, so that "relapsing" answers "Relapse"
    and "withdr" answers "Withdrawal" (but not "with"). Used to mark excerpts and to tell
    how much of a title a query covers."""
    return tuple(word if len(word) <= 5 else word[: max(5, len(word) - 4)] for word in words)


def last_is_prefix(words):
    """The last word is searched as a prefix (being typed) once it has three letters."""
    return len(words[-1]) >= 3


def allowed_typos(word):
    """Edits tolerated in a word, after Meilisearch's defaults: 1 from 4 letters, 2 from 8."""
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


def deletes(word, distance):
    """The word and every form of it with up to `distance` letters removed."""
    forms, frontier = {word}, {word}
    for _ in range(distance):
        frontier = {f[:i] + f[i + 1 :] for f in frontier for i in range(len(f))}
        forms |= frontier
    return forms


_SOUNDS = (("ph", "f"), ("ck", "k"), ("kn", "n"), ("wr", "r"))
_REPEATS = re.compile(r"(.)\1+")


def sound_fold(word):
    """Spellings that sound alike made equal ("buprenorfine" ~ "buprenorphine",
    "mindfullness" ~ "mindfulness"): common misspellings of medical words are phonetic."""
    for written, sound in _SOUNDS:
        word = word.replace(written, sound)
    return _REPEATS.sub(r"\1", word)


def typo_keys(word):
    """Keys under which a vocabulary word is stored in the spelling index: its sound-folded
    form and that form with one letter deleted. Query words are looked up with up to two
    deletions, which finds every one-edit typo and most two-edit ones while keeping the
    index small."""
    return deletes(sound_fold(word), 1)


def edit_distance(a, b):
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    neighbouring letters ("relapes" → "relapse") each cost one."""
    previous2, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
