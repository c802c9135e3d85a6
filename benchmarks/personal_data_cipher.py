"""What binding personal data to its place costs: encrypt + decrypt of one value
with the AES-256-GCM tokens (``services.common.crypto``, associated data
``members.id_number:<id>``) against the Fernet tokens they replace (MultiFernet,
as the cipher did before migration 0005), in one process, rounds interleaved.

    .venv/bin/python benchmarks/personal_data_cipher.py [--rounds 9] [--values 2000] [--json out.json]

Each round times, per format, ``--values`` encryptions then as many decryptions
of a realistic mix (18-character ID numbers, phones, WeChat contacts and
Chinese addresses), with the same two configured keys (the first encrypts), so
the decrypting side also has a key to choose. CPU time of this process
(``time.process_time``), so other processes on a shared machine weigh less.
Nothing here is run by the tests and nothing asserts a time.
"""
import argparse
import os
import time

from common import log, machine_notes, median, run, spread, write_json  # noqa: I001 (benchmarks/ on sys.path)
from cryptography.fernet import Fernet, MultiFernet

from services.common.crypto import PersonalDataCipher, new_data_key, new_index_key, place


def values(count):
    kinds = [
        lambda n: f"620724{1950 + n % 60}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}X",
        lambda n: f"139{n:08d}",
        lambda n: f"wx_contact_{n}",
        lambda n: f"新疆维吾尔自治区乌鲁木齐市天山区解放北路{n}号院{n % 30}栋",
    ]
    return [kinds[n % len(kinds)](n) for n in range(count)]


def time_fernet(keys, plain):
    fernet = MultiFernet([Fernet(key) for key in keys])
    start = time.process_time()
    tokens = [fernet.encrypt(value.encode("utf-8")).decode("ascii") for value in plain]
    middle = time.process_time()
    opened = [fernet.decrypt(token.encode("ascii")).decode("utf-8") for token in tokens]
    end = time.process_time()
    assert opened == plain
    return middle - start, end - middle


def time_bound(keys, plain, places):
    cipher = PersonalDataCipher(keys, new_index_key())
    start = time.process_time()
    tokens = [cipher.encrypt(value, where) for value, where in zip(plain, places)]
    middle = time.process_time()
    opened = [cipher.decrypt(token, where) for token, where in zip(tokens, places)]
    end = time.process_time()
    assert opened == plain
    return middle - start, end - middle


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--values", type=int, default=2000)
    parser.add_argument("--json", help="write the raw per-round figures here")
    args = parser.parse_args()
    notes = machine_notes()
    log(f"load average before: {notes['load_average']}")
    keys = [new_data_key(), new_data_key()]
    plain = values(args.values)
    places = [place("members", "id_number", f"00000000-0000-4000-8000-{n:012d}") for n in range(args.values)]
    time_fernet(keys, plain[:100])  # warm both paths (imports, OpenSSL contexts)
    time_bound(keys, plain[:100], places[:100])
    rounds = []
    for number in range(args.rounds):
        # Alternate which goes first, so neither always runs on a warmer (or busier) machine.
        if number % 2:
            bound = time_bound(keys, plain, places)
            fernet = time_fernet(keys, plain)
        else:
            fernet = time_fernet(keys, plain)
            bound = time_bound(keys, plain, places)
        per_value = {name: [seconds / args.values * 1e6 for seconds in timing]  # microseconds
                     for name, timing in (("fernet", fernet), ("bound", bound))}
        rounds.append(per_value)
        log(f"round {number + 1}: fernet {sum(per_value['fernet']):.1f} µs, bound {sum(per_value['bound']):.1f} µs "
            "(encrypt + decrypt, per value)")

    def column(name, part):
        return [r[name][0] + r[name][1] if part == "both" else r[name][0 if part == "encrypt" else 1] for r in rounds]

    print(f"\n{args.rounds} rounds x {args.values} values; CPU µs per value, median (range); ratio = bound / fernet, "
          "median of per-round ratios\n")
    print("| operation | Fernet µs | AES-GCM bound µs | **ratio** |")
    print("|---|---|---|---|")
    results = {}
    for part in ("encrypt", "decrypt", "both"):
        fernet, bound = column("fernet", part), column("bound", part)
        ratios = [b / f for f, b in zip(fernet, bound)]
        results[part] = {"fernet": fernet, "bound": bound, "ratio": ratios}
        label = "encrypt + decrypt" if part == "both" else part
        print(f"| {label} | {median(fernet):.1f} ({spread(fernet)}) | {median(bound):.1f} ({spread(bound)}) | "
              f"**{median(ratios):.2f}** ({spread(ratios)}) |")
    notes["load_average_after"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    log(f"load average after: {notes['load_average_after']}")
    write_json(args.json, {"notes": notes, "rounds": rounds, "results": results})


if __name__ == "__main__":
    run(main)
