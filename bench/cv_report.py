"""Print per-intent F1 from a `rasa test nlu` intent_report.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    report = json.loads(Path(sys.argv[1]).read_text())
    print(f"{'intent':<22}{'precision':>10}{'recall':>8}{'F1':>7}{'n':>6}")
    for name, row in sorted(report.items()):
        if isinstance(row, dict) and "f1-score" in row:
            print(f"{name:<22}{row['precision']:>10.2f}{row['recall']:>8.2f}"
                  f"{row['f1-score']:>7.2f}{row['support']:>6}")
    if "accuracy" in report:
        print(f"accuracy: {report['accuracy']:.3f}")


if __name__ == "__main__":
    main()
