"""A small repository to index: distinct functions a search should tell apart."""

from __future__ import annotations

from pathlib import Path

FILES = {
    "net/http_client.py": '''"""HTTP plumbing."""


def parse_http_response(raw: bytes) -> dict:
    """Split the status line, headers and body of a raw HTTP response."""
    head, _, body = raw.partition(b"\\r\\n\\r\\n")
    status, *headers = head.decode().split("\\r\\n")
    return {"status": status, "headers": headers, "body": body}


def build_request(method: str, url: str) -> bytes:
    """Serialize an HTTP request line for the given method and URL."""
    return f"{method} {url} HTTP/1.1\\r\\n\\r\\n".encode()
''',
    "storage/cache.py": '''"""In-memory caches."""


class LruCache:
    """Least-recently-used cache with a fixed capacity."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.items: dict = {}

    def evict_oldest(self) -> None:
        """Drop the least recently used entry when the cache is full."""
        oldest = next(iter(self.items))
        del self.items[oldest]
''',
    "math_utils.py": '''def fibonacci(n: int) -> int:
    """Return the n-th Fibonacci number iteratively."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def is_prime(n: int) -> bool:
    """Trial division primality test."""
    return n > 1 and all(n % d for d in range(2, int(n**0.5) + 1))
''',
    "docs/guide.md": """# Deployment guide

## Rotating the TLS certificate

Copy the new certificate to the load balancer and reload nginx without downtime.
""",
    ".gitignore": "ignored/\n",
    "ignored/skip_me.py": "def hidden_function():\n    return 1\n",
    ".env": "SECRET_TOKEN=abc\n",
}


def make_repo(root: Path) -> Path:
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
