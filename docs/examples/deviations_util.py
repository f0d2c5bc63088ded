"""clink.util is not rebuilt: the standard library call for each of its functions."""

import importlib.resources
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import tempfile

with tempfile.TemporaryDirectory() as tmp:
    root = pathlib.Path(tmp)

    # fs.asset_path(rel_path): a file shipped inside a package.
    asset = importlib.resources.files("clink_core") / "py.typed"
    assert asset.is_file()

    # shell.mkdir(path)
    os.makedirs(root / "a" / "b", exist_ok=True)

    # shell.touch(path, mode)
    pathlib.Path(root / "a" / "b" / "f.txt").touch(0o644)

    # shell.chmod(path, mode)
    os.chmod(root / "a" / "b" / "f.txt", 0o600)
    assert stat.S_IMODE((root / "a" / "b" / "f.txt").stat().st_mode) == 0o600

    # shell.cp(src, dest): a tree, or one file
    shutil.copytree(root / "a", root / "copy", dirs_exist_ok=True)
    shutil.copy2(root / "a" / "b" / "f.txt", root / "g.txt")
    assert (root / "copy" / "b" / "f.txt").exists() and (root / "g.txt").exists()

    # shell.call(args, cwd=None)
    done = subprocess.run([sys.executable, "-c", "print('hi')"], cwd=root, check=True,
                          capture_output=True, text=True)
    assert done.stdout == "hi\n"

    # shell.rm(path, exist_ignore=True): a tree, or one file
    shutil.rmtree(root / "copy", ignore_errors=True)
    pathlib.Path(root / "g.txt").unlink(missing_ok=True)
    pathlib.Path(root / "g.txt").unlink(missing_ok=True)  # already gone: no error
    assert not (root / "copy").exists()
print("util: ok")
