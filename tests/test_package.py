import subprocess
import sys

import virtlab
from virtlab.cli import main


def test_import_stays_light():
    code = (
        "import sys, virtlab; heavy = [m for m in ('plotly', 'ipywidgets', 'nbformat', "
        "'nbclient', 'IPython') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_api_names():
    for name in ("Stack", "Hardware", "catalog", "density", "Problem", "IsolationLevel"):
        assert hasattr(virtlab, name)


def test_cli_help(capsys):
    assert main([]) == 0
    assert "lab" in capsys.readouterr().out
