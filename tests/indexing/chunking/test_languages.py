import pytest

from server.indexing.chunking import detect_language


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("src/app/main.py", "python"),
        ("stubs/types.pyi", "python"),
        ("web/index.js", "javascript"),
        ("web/worker.mjs", "javascript"),
        ("web/App.jsx", "javascript"),
        ("web/api.ts", "typescript"),
        ("web/types.d.ts", "typescript"),
        ("web/Button.tsx", "tsx"),
        ("cmd/server/main.go", "go"),
        ("src/lib.rs", "rust"),
        ("src/main/java/Order.java", "java"),
        ("lib/ring.c", "c"),
        ("include/ring.h", "c"),
        ("src/matrix.cpp", "cpp"),
        ("src/matrix.hpp", "cpp"),
        ("src/x.cc", "cpp"),
        ("Checkout/Cart.cs", "csharp"),
        ("lib/bank.rb", "ruby"),
        ("Rakefile", "ruby"),
        ("Gemfile", "ruby"),
        ("public/index.php", "php"),
        ("scripts/deploy.sh", "bash"),
        ("home/.bashrc", "bash"),
        ("README.md", "markdown"),
        ("docs/guide.markdown", "markdown"),
        ("pyproject.toml", "text"),
        (".github/workflows/ci.yml", "text"),
        ("config/app.yaml", "text"),
        ("package.json", "text"),
        ("setup.cfg", "text"),
        ("tox.ini", "text"),
        ("notes.txt", "text"),
        ("docs/index.rst", "text"),
        ("templates/base.html", "text"),
        ("static/site.css", "text"),
        ("db/schema.sql", "text"),
        ("Dockerfile", "text"),
        ("docker/Dockerfile.dev", "text"),
        ("Makefile", "text"),
        ("LICENSE", "text"),
        (".gitignore", "text"),
        ("app/Main.kt", "text"),
        ("C:\\work\\proj\\main.py", "python"),
        ("SRC/MAIN.PY", "python"),
    ],
)
def test_known_files(path: str, language: str) -> None:
    assert detect_language(path) == language


@pytest.mark.parametrize(
    "path",
    [
        "logo.png",
        "photo.JPG",
        "archive.tar.gz",
        "lib/libfoo.so",
        "app.exe",
        "font.woff2",
        "model.safetensors",
        "data.sqlite",
        "doc.pdf",
        "x.pyc",
    ],
)
def test_binary_extensions_are_unknown(path: str) -> None:
    assert detect_language(path) is None
