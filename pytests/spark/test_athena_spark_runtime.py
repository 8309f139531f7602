"""Everything Athena Spark imports uses only what PySpark engine v3 has (Spark 3.2,
Python 3.9, pandas 1.4, numpy 1.23, scipy 1.8, scikit-learn 1.1). Local Spark is 3.5
on pandas 3, so the local run alone would not catch a newer API: this static scan
does."""

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
    # The CLV models and every module of rfm_nbo.clv they import.
    clv_models = {path.name for path in (PROJECT_DIR / "python_models" / "clv").glob("*.py")}
    clv_package = set((PROJECT_DIR / "rfm_nbo" / "clv").glob("*.py"))
    assert {"int_clv_parameters.py", "int_customers_clv.py"} <= clv_models <= names
    assert clv_package and clv_package <= set(files)
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
        (PACKAGE, "from itertools import pairwise\n", "from itertools import pairwise"),
        (PACKAGE, "from scipy.optimize import milp\n", "from scipy.optimize import milp"),
        (PACKAGE, "from scipy import differentiate\n", "from scipy import differentiate"),
        (PACKAGE, "import scipy.differentiate\n", "import scipy.differentiate"),
        (PACKAGE, "r = minimize(f, x0, method='COBYQA')\n", "method='COBYQA'"),
        (PACKAGE, "p = scipy.stats.false_discovery_control(ps)\n", ".false_discovery_control"),
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
        # What rfm_nbo.clv uses: old enough for scipy 1.8 (Nelder-Mead bounds: 1.7).
        "from scipy.special import betaln, gammaln\nfrom scipy.optimize import minimize\n"
        "r = minimize(f, x0, method='L-BFGS-B', bounds=b)\n"
        "r = minimize(f, r.x, method='Nelder-Mead', bounds=b, options={'xatol': 1e-8})\n",
    ],
)
def test_scanner_accepts(source: str) -> None:
    assert scan_source(PACKAGE, source) == []
