"""docs/python.md runs: every ```python block of the page, in order, in one
namespace, in a scratch folder that sees the checkout's scenarios."""
import os
import re

import nmsim  # noqa: F401  (the page imports it itself; fail here first if it cannot)

SRC = os.environ.get("NMSIM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def test_every_python_block_of_docs_python_md_runs(tmp_path, monkeypatch):
    with open(os.path.join(SRC, "docs", "python.md")) as f:
        page = f.read()
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) >= 5, "docs/python.md has %d python blocks" % len(blocks)
    os.symlink(os.path.join(SRC, "scenarios"), tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    ns = {}
    for i, code in enumerate(blocks):
        try:
            exec(compile(code, "docs/python.md block %d" % (i + 1), "exec"), ns)
        except Exception as e:
            raise AssertionError("docs/python.md block %d failed: %r\n%s" % (i + 1, e, code))
    assert os.path.getsize(tmp_path / "quickstart.png") > 1000
    assert os.path.exists(tmp_path / "sweep.sqlite")
