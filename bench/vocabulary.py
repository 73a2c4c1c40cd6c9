"""bench/vocabulary.py — the reference side of bench/vocabulary.sh, and how
far a model's captions say what a photo's references agree on.

    python3 bench/vocabulary.py TOKENS DEV_SPLIT references
    python3 bench/vocabulary.py TOKENS DEV_SPLIT agreement NAME RESULTS.json [NAME RESULTS.json]...

Captions are normalised as gaze_text_normalize() does for ASCII text:
lowercased, punctuation deleted, split on white space.  A word is "agreed" for
a photo when at least 3 of its 5 references use it.  Prints Markdown rows.
"""
import collections
import json
import string
import sys

AGREED = 3
DELETE = str.maketrans("", "", string.punctuation)


def words(caption):
    return caption.lower().translate(DELETE).split()


def load_references(tokens, split):
    dev = {line.strip() for line in open(split) if line.strip()}
    refs = collections.defaultdict(list)
    for line in open(tokens):
        key, caption = line.rstrip("\n").split("\t", 1)
        name, index = key.split("#")
        if name in dev:
            refs[name].append((int(index), words(caption)))
    return refs


def users(references):
    """How many of a photo's references use each word."""
    return collections.Counter(w for _, ws in references for w in set(ws))


def print_references(refs):
    for k in range(5):
        said = [ws for rs in refs.values() for i, ws in rs if i == k]
        vocabulary = {w for ws in said for w in ws}
        print(f"| reference {k + 1} of each dev photo | {len(vocabulary)} "
              f"| {sum(map(len, said)) / len(said):.1f} | — | — |")
    for m in range(AGREED, 6):
        agreed = {w for rs in refs.values() for w, n in users(rs).items() if n >= m}
        print(f"| the words at least {m} of a dev photo's 5 references use "
              f"| {len(agreed)} | — | — | — |")


def print_agreement(refs, results):
    everywhere = {w for rs in refs.values() for w, n in users(rs).items() if n >= AGREED}
    print(f"| captions | agreed words said | words no reference uses "
          f"| agreed words said somewhere (of {len(everywhere)}) "
          f"| the agreed words most often missed (in how many photos) |")
    print("|---|---|---|---|---|")
    for name, path in zip(results[::2], results[1::2]):
        said = agreed_total = unsupported = total = 0
        somewhere = set()
        missed = collections.Counter()
        for result in json.load(open(path)):
            image = result["image_id"]
            image = image if image in refs else image + ".jpg"
            count = users(refs[image])
            caption = words(result["caption"])
            agreed = {w for w, n in count.items() if n >= AGREED}
            hits = agreed & set(caption)
            said += len(hits)
            agreed_total += len(agreed)
            somewhere |= hits
            missed.update(agreed - hits)
            unsupported += sum(1 for w in caption if count[w] == 0)
            total += len(caption)
        # Ties in alphabetical order, so that the list is the same every run.
        most = ", ".join(f"{w} ({n})" for w, n in sorted(missed.items(), key=lambda x: (-x[1], x[0]))[:8])
        print(f"| {name} | {100 * said / agreed_total:.1f} % "
              f"| {100 * unsupported / total:.1f} % | {len(somewhere)} | {most} |")


def main():
    tokens, split, what = sys.argv[1:4]
    refs = load_references(tokens, split)
    if what == "references":
        print_references(refs)
    else:
        print_agreement(refs, sys.argv[4:])


main()
