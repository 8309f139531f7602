"""Everything Athena Spark imports uses only what PySpark engine v3 has (Spark 3.2,
Python 3.9, pandas 1.4, scikit-learn 1.1). Local Spark is 3.5 on pandas 3, so the
local run alone would not catch a newer API: this static scan does."""

from __future__ import annotations

from pathlib import Path

import pytest

from rfm_nbo.portability.spark_runtime import main, scan, scan_source, shipped_files

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_shipped_code_fits_athena_spark_engine_v3() -> None:
    files = shipped_files(PROJECT_DIR)
    names = {path.name for path in files}
    assert {"int_kmeans_diagnostics.py", "int_segment_offer_copy.py", "spark.py"} <= names
    assert {"fitting.py", "bedrock.py"} <= names
    findings = scan(files, PROJECT_DIR)
    assert findings == [], "\n".join(f.render() for f in findings)


def test_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project-dir", str(PROJECT_DIR)]) == 0
    assert "OK:" in capsys.readouterr().out


PACKAGE = Path("rfm_nbo/segmentation/example.py")
MODEL = Path("python_models/segmentation/example.py")


@pytest.mark.parametrize(
    ("path", "source", "construct"),
    [
        (PACKAGE, "match x:\n    case 1:\n        pass\n", "syntax"),
        (PACKAGE, "pairs = list(zip(a, b, strict=True))\n", "strict="),
        (PACKAGE, "ok = isinstance(x, int | str)\n", "int | str"),
        (PACKAGE, "Alias = Optional[int] | None\n", "Optional[int] | None"),
        (PACKAGE, "df = frame.withColumns({'a': col})\n", ".withColumns"),
        (PACKAGE, "session = frame.sparkSession\n", ".sparkSession"),
        (PACKAGE, "model = KMeans(n_clusters=3, n_init='auto')\n", "n_init='auto'"),
        (PACKAGE, "x = pd.read_csv(p, dtype_backend='pyarrow')\n", "dtype_backend="),
        (PACKAGE, "import tomllib\n", "import tomllib"),
        (PACKAGE, "import polars\n", "import polars"),
        (MODEL, "from __future__ import annotations\n", "from __future__ import annotations"),
    ],
)
def test_scanner_finds(path: Path, source: str, construct: str) -> None:
    found = [finding.construct for finding in scan_source(path, source)]
    assert construct in found, found


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations\ndef f(x: int | None) -> str | None:\n    pass\n",
        "import re\nFLAGS = re.IGNORECASE | re.MULTILINE\n",
        "mask = a | b\n",
        "session = frame.sql_ctx.sparkSession\n",
        "import numpy, pandas, sklearn, scipy, threadpoolctl, pyspark, boto3, json\n",
        "from sklearn.cluster import KMeans\nm = KMeans(n_clusters=3, n_init=10)\n",
    ],
)
def test_scanner_accepts(source: str) -> None:
    assert scan_source(PACKAGE, source) == []
