"""Which language detector CPS uses for a post's language: two from PyPI compared
on short civic posts in the seven languages CPS speaks (bench/languages_corpus.py).

    python -m bench.languages [--repeat 5]

For each detector: accuracy, CPU time per post (process time, so the load from
other work on a shared machine counts less), time and memory to load it, and the
size of its installed package. Two settings: told the seven languages, and free
to answer any language it knows (what CPS does: a post may be in Azerbaijani or
Persian too). Prints the machine (bench/machine.py).
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from bench.languages_corpus import SAMPLES
from bench.machine import describe

SEVEN = list(SAMPLES)
Detect = Callable[[str], str | None]


def _installed_mb(distribution: str) -> float:
    files = metadata.distribution(distribution).files or []
    total = 0
    for file in files:
        path = Path(str(file.locate()))
        if path.is_file():
            total += path.stat().st_size
    return total / 1e6


def _lingua(restricted: bool) -> Detect:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    if restricted:
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(
            *(getattr(IsoCode639_1, code.upper()) for code in SEVEN))
    else:
        builder = LanguageDetectorBuilder.from_all_languages()
    detector = builder.with_preloaded_language_models().build()

    def detect(text: str) -> str | None:
        found: Language | None = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found is not None else None

    return detect


def _py3langid(restricted: bool) -> Detect:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if restricted:
        identifier.set_languages(SEVEN)

    def detect(text: str) -> str | None:
        return str(identifier.classify(text)[0])

    return detect


def _available(distribution: str) -> bool:
    try:
        metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


DETECTORS: dict[str, tuple[str, Callable[[bool], Detect]]] = {
    "lingua": ("lingua-language-detector", _lingua),
    "py3langid": ("py3langid", _py3langid),
}


def _measure(name: str, restricted: bool, repeat: int) -> dict[str, object]:
    """Run in a child process, so that each detector's load and memory are its own."""
    before_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.process_time()
    detect = DETECTORS[name][1](restricted)
    load = time.process_time() - start
    right = total = 0
    wrong: list[str] = []
    start = time.process_time()
    for _ in range(repeat):
        for code, texts in SAMPLES.items():
            for text in texts:
                found = detect(text)
                total += 1
                right += found == code
                if found != code and len(wrong) < 3 * repeat:
                    wrong.append(f"{code}->{found}: {text[:30]}")
    per_post = (time.process_time() - start) / total
    memory = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_rss) / 1024
    return {"accuracy": right / total, "us_per_post": per_post * 1e6, "load_s": load,
            "memory_mb": memory, "wrong": sorted(set(wrong))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(describe())
    print(f"load average {os.getloadavg()[0]:.1f}; "
          f"{sum(len(t) for t in SAMPLES.values())} posts, 12 to 140 characters")
    print(f"{'detector':<11}{'languages':<11}{'accuracy':>9}{'µs/post':>9}{'load s':>8}"
          f"{'memory MB':>10}{'size MB':>9}")
    results = {}
    for name, (distribution, _) in DETECTORS.items():
        if not _available(distribution):
            print(f"{name:<11}not installed (pip install {distribution}) to compare it")
            continue
        for restricted in (True, False):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child measures one detector and reports its figures
                os.close(read)
                os.write(write, repr(_measure(name, restricted, args.repeat)).encode())
                os._exit(0)
            os.close(write)
            with os.fdopen(read) as pipe:
                figures = eval(pipe.read())  # our own child's repr
            os.waitpid(pid, 0)
            results[(name, restricted)] = figures
            print(f"{name:<11}{'seven' if restricted else 'all':<11}"
                  f"{figures['accuracy']:>9.1%}{figures['us_per_post']:>9.0f}"
                  f"{figures['load_s']:>8.2f}{figures['memory_mb']:>10.0f}"
                  f"{_installed_mb(distribution):>9.1f}")
            for miss in figures["wrong"]:
                print(f"    wrong: {miss}")
    if len(results) == 2 * len(DETECTORS):
        lingua = results[("lingua", False)]["us_per_post"]
        langid = results[("py3langid", False)]["us_per_post"]
        assert isinstance(lingua, float) and isinstance(langid, float)
        print(f"py3langid per post: {langid / lingua:.2f} x lingua's CPU time (all languages)")
    _write_path(args.repeat)


def _write_path(repeat: int) -> None:
    """What CPS adds to a post's write: `detection.detect` (links and code left out,
    the guess, the thresholds), on these posts and on a long one (read to READ_CHARS)."""
    from cps.services.languages import detection

    detection.warm()
    texts = [t for ts in SAMPLES.values() for t in ts]
    long_post = " ".join(texts)
    long_label = f"a long post (its first {detection.READ_CHARS} characters read)"
    for label, batch in (("a short post", texts), (long_label, [long_post])):
        rounds = repeat * max(1, 200 // len(batch))
        start = time.process_time()
        for _ in range(rounds):
            for text in batch:
                detection.detect(text)
        per_post = (time.process_time() - start) / (rounds * len(batch))
        print(f"cps write path, {label}: {per_post * 1e6:.0f} µs CPU per post")


if __name__ == "__main__":
    main()
