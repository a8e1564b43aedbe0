"""Write a Compound File Binary (MS-CFB, version 3) from a tree of streams.

The container of ``vbaProject.bin``. Only writing is needed: the whole file
is laid out at once (no in-place edits), with 512-byte sectors, 64-byte mini
sectors for streams under 4,096 bytes, and each storage's children in a
balanced red-black tree ordered as MS-CFB §2.6.4 says (shorter names first,
then by upper-cased code units). The output depends only on the input.
"""
from __future__ import annotations

import math
import struct

__all__ = ["write_cfb"]

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1


class _Entry:
    def __init__(self, name: str, kind: int, data: bytes = b"") -> None:
        if len(name) > 31:
            raise ValueError(f"CFB name longer than 31 characters: {name!r}")
        if any(c in name for c in "/\\:!"):
            raise ValueError(f"CFB name with a reserved character: {name!r}")
        self.name, self.kind, self.data = name, kind, data
        self.children: list[_Entry] = []
        self.left = self.right = self.child = NOSTREAM
        self.color = _BLACK
        self.start = ENDOFCHAIN
        self.index = 0


def _key(entry: _Entry) -> tuple[int, str]:
    return len(entry.name.encode("utf-16-le")), entry.name.upper()


def _tree(entries: list[_Entry]) -> int:
    """Link ``entries`` (siblings) as a balanced red-black tree; returns the root's index."""
    entries = sorted(entries, key=_key)
    keys = [_key(e) for e in entries]
    if len(set(keys)) != len(keys):
        raise ValueError("two CFB entries with the same name in one storage")
    depth: dict[int, int] = {}

    def build(lo: int, hi: int, level: int) -> int:
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        node = entries[mid]
        depth[id(node)] = level
        node.left = build(lo, mid, level + 1)
        node.right = build(mid + 1, hi, level + 1)
        return node.index

    root = build(0, len(entries), 0)
    if entries:
        deepest = max(depth.values())
        full = len(entries) == 2 ** (deepest + 1) - 1
        for node in entries:  # the incomplete last level red: equal black heights
            node.color = _RED if depth[id(node)] == deepest and not full and deepest else _BLACK
    return root


def _chain(start: int, count: int) -> list[int]:
    return [start + k + 1 if k + 1 < count else ENDOFCHAIN for k in range(count)]


def write_cfb(tree: dict) -> bytes:
    """The bytes of a compound file holding ``tree``.

    ``tree`` maps a name to ``bytes`` (a stream) or to another such dict (a
    storage), e.g. ``{"PROJECT": b"…", "VBA": {"dir": b"…"}}``.
    """
    root = _Entry("Root Entry", _ROOT)
    order: list[_Entry] = [root]

    def add(parent: _Entry, items: dict) -> None:
        for name, value in items.items():
            if isinstance(value, dict):
                entry = _Entry(name, _STORAGE)
                entry.index = len(order)
                order.append(entry)
                parent.children.append(entry)
                add(entry, value)
            else:
                entry = _Entry(name, _STREAM, bytes(value))
                entry.index = len(order)
                order.append(entry)
                parent.children.append(entry)

    add(root, tree)
    for entry in order:
        if entry.kind != _STREAM:
            entry.child = _tree(entry.children)

    # Mini stream: the small streams, packed in 64-byte mini sectors.
    mini = bytearray()
    mini_fat: list[int] = []
    for entry in order:
        if entry.kind == _STREAM and 0 < len(entry.data) < MINI_CUTOFF:
            count = math.ceil(len(entry.data) / MINI_SECTOR)
            entry.start = len(mini_fat)
            mini_fat += _chain(len(mini_fat), count)
            mini += entry.data + b"\0" * (count * MINI_SECTOR - len(entry.data))
    big = [e for e in order if e.kind == _STREAM and len(e.data) >= MINI_CUTOFF]

    def sectors(size: int) -> int:
        return math.ceil(size / SECTOR)

    n_dir = sectors(len(order) * 128)
    n_minifat = sectors(len(mini_fat) * 4)
    n_mini = sectors(len(mini))
    n_big = sum(sectors(len(e.data)) for e in big)
    n_fat = 1
    while n_fat * (SECTOR // 4) < n_fat + n_dir + n_minifat + n_mini + n_big:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("compound file too large for a header-only DIFAT")

    fat: list[int] = [FATSECT] * n_fat
    dir_start = len(fat)
    fat += _chain(dir_start, n_dir)
    minifat_start = len(fat) if n_minifat else ENDOFCHAIN
    fat += _chain(len(fat), n_minifat)
    root.start = len(fat) if n_mini else ENDOFCHAIN
    root.data = bytes(mini)
    fat += _chain(len(fat), n_mini)
    for entry in big:
        entry.start = len(fat)
        fat += _chain(len(fat), sectors(len(entry.data)))
    fat += [FREESECT] * (n_fat * (SECTOR // 4) - len(fat))
    mini_fat += [FREESECT] * (n_minifat * (SECTOR // 4) - len(mini_fat))

    def directory_entry(entry: _Entry | None) -> bytes:
        if entry is None:
            return (b"\0" * 64 + struct.pack("<HBB3I", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM)
                    + b"\0" * 36 + struct.pack("<IQ", 0, 0))
        name = entry.name.encode("utf-16-le") + b"\0\0"
        size = len(entry.data) if entry.kind != _STORAGE else 0
        return (name.ljust(64, b"\0") + struct.pack("<HBB3I", len(name), entry.kind, entry.color,
                                                    entry.left, entry.right, entry.child)
                + b"\0" * 16 + struct.pack("<I", 0) + b"\0" * 16
                + struct.pack("<IQ", entry.start if entry.kind != _STORAGE else 0, size))

    directory = b"".join(directory_entry(e) for e in order)
    directory += directory_entry(None) * (n_dir * (SECTOR // 128) - len(order))

    difat = [k for k in range(n_fat)] + [FREESECT] * (109 - n_fat)
    header = (_MAGIC + b"\0" * 16 + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, MINI_CUTOFF,
                                        minifat_start, n_minifat, ENDOFCHAIN, 0)
              + struct.pack("<109I", *difat))
    assert len(header) == SECTOR

    def padded(data: bytes) -> bytes:
        return data + b"\0" * (sectors(len(data)) * SECTOR - len(data))

    body = [struct.pack(f"<{len(fat)}I", *fat), directory,
            struct.pack(f"<{len(mini_fat)}I", *mini_fat),
            padded(bytes(mini))]
    body += [padded(e.data) for e in big]
    return header + b"".join(body)
