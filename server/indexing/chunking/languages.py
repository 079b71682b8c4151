"""Language detection by file name and extension."""

from __future__ import annotations

from pathlib import PurePosixPath

_EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".pyw": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".c++": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".hxx": "cpp",
    ".h++": "cpp",
    ".ipp": "cpp",
    ".inl": "cpp",
    ".tpp": "cpp",
    ".cs": "csharp",
    ".rb": "ruby",
    ".rake": "ruby",
    ".gemspec": "ruby",
    ".ru": "ruby",
    ".php": "php",
    ".phtml": "php",
    ".php3": "php",
    ".php4": "php",
    ".php5": "php",
    ".phps": "php",
    ".sh": "bash",
    ".bash": "bash",
    ".zsh": "bash",
    ".ksh": "bash",
    ".bats": "bash",
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdown": "markdown",
    ".mkd": "markdown",
    ".mdx": "markdown",
}

# Text and configuration files (and code without a grammar here): chunked by line windows.
_TEXT_EXTENSIONS = frozenset(
    """
    .txt .text .rst .adoc .asciidoc .org .tex .bib .csv .tsv .log
    .toml .yaml .yml .json .jsonc .json5 .ndjson .jsonl .ini .cfg .conf .config .properties
    .env .editorconfig .gitignore .gitattributes .dockerignore .npmignore .prettierrc
    .eslintrc .babelrc .lock .xml .xsd .xsl .svg .plist .html .htm .xhtml .css .scss .sass
    .less .styl .sql .graphql .gql .proto .thrift .avsc .tf .tfvars .hcl .nix .dhall .cue
    .mk .make .cmake .gradle .sbt .bzl .bazel .build .ninja .dockerfile .containerfile
    .kt .kts .swift .scala .sc .m .mm .lua .pl .pm .t .r .jl .ex .exs .erl .hrl .hs .lhs
    .ml .mli .fs .fsi .fsx .clj .cljs .cljc .edn .el .lisp .scm .rkt .dart .groovy .vue
    .svelte .astro .elm .zig .nim .v .sv .vhd .vhdl .f .f90 .f95 .for .pas .pp .cob .asm
    .s .ps1 .psm1 .psd1 .bat .cmd .fish .awk .sed .vim .jinja .jinja2 .j2 .tmpl .tpl .mustache
    .hbs .ejs .erb .haml .slim .pug .liquid .twig .sol .cu .cuh .glsl .hlsl .wgsl .vert .frag
    .ipynb .patch .diff .pem .pub .crt .csr .service .timer .desktop .rules .spec .in .am .ac
    .m4 .po .pot .man .1 .2 .3 .5 .8 .srt .vtt .http .rest .gd .tres .tscn
    """.split()
)

_NAMES: dict[str, str] = {
    "dockerfile": "text",
    "containerfile": "text",
    "makefile": "text",
    "gnumakefile": "text",
    "cmakelists.txt": "text",
    "jenkinsfile": "text",
    "vagrantfile": "ruby",
    "procfile": "text",
    "license": "text",
    "licence": "text",
    "copying": "text",
    "authors": "text",
    "contributors": "text",
    "changelog": "text",
    "changes": "text",
    "notice": "text",
    "readme": "text",
    "todo": "text",
    "codeowners": "text",
    "rakefile": "ruby",
    "gemfile": "ruby",
    "guardfile": "ruby",
    "podfile": "ruby",
    "brewfile": "ruby",
    "fastfile": "ruby",
    ".bashrc": "bash",
    ".bash_profile": "bash",
    ".bash_logout": "bash",
    ".profile": "bash",
    ".zshrc": "bash",
    ".zprofile": "bash",
    ".envrc": "bash",
    "pkgbuild": "bash",
}


def detect_language(path: str) -> str | None:
    """The language of a file from its name: a grammar's name, "markdown", "text" or None.

    None means an extension that is not known as text (images, archives, binaries...).
    Files without an extension count as text: the caller's binary check filters them.
    """
    name = PurePosixPath(path.replace("\\", "/")).name
    lower = name.lower()
    if lower in _NAMES:
        return _NAMES[lower]
    if lower.startswith(("dockerfile.", "containerfile.", "makefile.")):
        return "text"
    if lower.endswith((".d.ts", ".d.mts", ".d.cts")):
        return "typescript"
    dot = lower.rfind(".")
    if dot <= 0:  # no extension, or a dotfile such as ".gitignore"
        return "text"
    ext = lower[dot:]
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    if ext in _TEXT_EXTENSIONS:
        return "text"
    return None
