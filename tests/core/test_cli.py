import subprocess
import sys


def test_kubat_accepts_dashed_command_names():
    result = subprocess.run(
        [sys.executable, "-m", "kubat.cli", "check-standards", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "charging-standard profiles" in result.stdout
