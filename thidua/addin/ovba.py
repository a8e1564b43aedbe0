"""Build a VBA project (``vbaProject.bin``) from module source text (MS-OVBA).

What Office writes when it saves a project "for any version" and what the
specification asks a writer to produce: the ``_VBA_PROJECT`` stream holds
version 0xFFFF and no performance cache, every module stream holds only its
compressed source (offset 0), so Excel compiles the project from source when
it opens the file, whatever its version or bitness (MS-OVBA §1.6, §2.3.4.1).
LibreOffice exports VBA the same way.

Pieces: the compression of §2.4.1 (``compress``), the data encryption of
§2.4.3 used by the PROJECT stream's protection fields (``encrypt`` /
``decrypt``), the ``dir`` stream records of §2.3.4.2, the PROJECT and
PROJECTwm streams of §2.3.1 and §2.3.3, all put in a compound file
(``thidua.addin.cfb``). Sources are MBCS in ``codepage`` (the add-in's are
ASCII); the output depends only on the input.
"""
from __future__ import annotations

import hashlib
import struct
import uuid
from dataclasses import dataclass

from thidua.addin.cfb import write_cfb

__all__ = ["Module", "Reference", "compress", "encrypt", "decrypt", "project_bin",
           "STDOLE", "OFFICE"]

CHUNK = 4096


@dataclass(frozen=True)
class Module:
    """One module: ``kind`` is "module" (standard), "class" or "document"."""

    name: str
    kind: str
    source: str  # as stored: starts with ``Attribute VB_Name = "<name>"``, lines end in CRLF


@dataclass(frozen=True)
class Reference:
    """A registered type library the project refers to (REFERENCEREGISTERED)."""

    name: str
    libid: str


#: OLE Automation, in every VBA project.
STDOLE = Reference("stdole", "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
                             "C:\\Windows\\System32\\stdole2.tlb#OLE Automation")
#: The Office library (``IRibbonControl``). Version 2.0 resolves to the installed
#: Office's own (2.5 for 2010 … 2.8 for 365); the path is only a hint.
OFFICE = Reference("Office", "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
                             "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE14\\MSO.DLL#"
                             "Microsoft Office 14.0 Object Library")


# ------------------------------------------------------------------ compression (§2.4.1)
def _compress_chunk(data: bytes) -> bytes:
    """One CompressedChunk for ≤ 4096 bytes of ``data``."""
    out = bytearray()
    heads: dict[bytes, list[int]] = {}
    pos, end = 0, len(data)

    def remember(at: int) -> None:
        if at + 3 <= end:
            heads.setdefault(data[at:at + 3], []).append(at)

    while pos < end:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            bit_count = max((pos - 1).bit_length(), 4) if pos else 4
            max_length = (0xFFFF >> bit_count) + 3
            best_len, best_at = 0, -1
            for cand in reversed(heads.get(data[pos:pos + 3], [])[-64:]):
                length = 0
                limit = min(max_length, end - pos)
                while length < limit and data[cand + length] == data[pos + length]:
                    length += 1
                if length > best_len:
                    best_len, best_at = length, cand
                    if length == limit:
                        break
            if best_len >= 3:
                token = ((pos - best_at - 1) << (16 - bit_count)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                for k in range(best_len):
                    remember(pos + k)
                pos += best_len
            else:
                out.append(data[pos])
                remember(pos)
                pos += 1
        out[flag_at] = flags
    if len(out) > CHUNK:  # incompressible: a raw chunk (only a full one may be raw)
        if len(data) != CHUNK:
            raise ValueError("incompressible partial chunk")
        return struct.pack("<H", (CHUNK - 1) | 0x3000) + data
    return struct.pack("<H", (len(out) + 2 - 3) | 0x3000 | 0x8000) + bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer (signature byte 0x01, then one chunk per 4096 bytes)."""
    return b"\x01" + b"".join(_compress_chunk(data[k:k + CHUNK]) for k in range(0, len(data), CHUNK))


# ------------------------------------------------------------------ encryption (§2.4.3)
def _project_key(project_id: str) -> int:
    return sum(project_id.encode("ascii")) & 0xFF


def encrypt(data: bytes, project_id: str, seed: int) -> str:
    """Data Encryption of ``data`` for the PROJECT stream, as uppercase hex."""
    version, key = 2, _project_key(project_id)
    out = bytearray([seed, seed ^ version, seed ^ key])
    unencrypted1, encrypted1, encrypted2 = key, seed ^ key, seed ^ version
    payload = bytes((seed * 7 + k) & 0xFF for k in range((seed & 6) // 2))
    payload += struct.pack("<I", len(data)) + data
    for byte in payload:
        enc = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(enc)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    return out.hex().upper()


def decrypt(text: str) -> tuple[int, bytes]:
    """(project key, data) of a Data Encryption hex string; checks its version and length."""
    raw = bytes.fromhex(text)
    seed, version_enc, key_enc = raw[0], raw[1], raw[2]
    if seed ^ version_enc != 2:
        raise ValueError("not an MS-OVBA encrypted value (version)")
    key = seed ^ key_enc
    unencrypted1, encrypted1, encrypted2 = key, key_enc, version_enc
    plain = bytearray()
    for enc in raw[3:]:
        byte = enc ^ ((encrypted2 + unencrypted1) & 0xFF)
        plain.append(byte)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    ignored = (seed & 6) // 2
    length = struct.unpack("<I", bytes(plain[ignored:ignored + 4]))[0]
    data = bytes(plain[ignored + 4:])
    if len(data) != length:
        raise ValueError("MS-OVBA encrypted value: length does not match")
    return key, data


# ------------------------------------------------------------------ dir stream (§2.3.4.2)
def _rec(rec_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", rec_id, len(data)) + data


def _dual(rec_id: int, text: bytes, reserved: int, unicode_text: bytes) -> bytes:
    """A record with an MBCS string and its UTF-16 twin (DOCSTRING, HELPFILEPATH…)."""
    return (struct.pack("<HI", rec_id, len(text)) + text
            + struct.pack("<HI", reserved, len(unicode_text)) + unicode_text)


def _dir_stream(name: str, modules: list[Module], references: list[Reference],
                codepage: int) -> bytes:
    enc = f"cp{codepage}"
    out = bytearray()
    out += _rec(0x0001, struct.pack("<I", 1))  # PROJECTSYSKIND: 32-bit Windows
    out += _rec(0x0002, struct.pack("<I", 0x0409))  # PROJECTLCID
    out += _rec(0x0014, struct.pack("<I", 0x0409))  # PROJECTLCIDINVOKE
    out += _rec(0x0003, struct.pack("<H", codepage))  # PROJECTCODEPAGE
    out += _rec(0x0004, name.encode(enc))  # PROJECTNAME
    out += _dual(0x0005, b"", 0x0040, b"")  # PROJECTDOCSTRING
    out += _dual(0x0006, b"", 0x003D, b"")  # PROJECTHELPFILEPATH
    out += _rec(0x0007, struct.pack("<I", 0))  # PROJECTHELPCONTEXT
    out += _rec(0x0008, struct.pack("<I", 0))  # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION (Reserved=4, major, minor)
    out += _dual(0x000C, b"", 0x003C, b"")  # PROJECTCONSTANTS
    for ref in references:
        out += _dual(0x0016, ref.name.encode(enc), 0x003E, ref.name.encode("utf-16-le"))
        libid = ref.libid.encode(enc)
        out += _rec(0x000D, struct.pack("<I", len(libid)) + libid + struct.pack("<IH", 0, 0))
    out += _rec(0x000F, struct.pack("<H", len(modules)))  # PROJECTMODULES
    out += _rec(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    for module in modules:
        mbcs, wide = module.name.encode(enc), module.name.encode("utf-16-le")
        out += _rec(0x0019, mbcs)  # MODULENAME
        out += _rec(0x0047, wide)  # MODULENAMEUNICODE
        out += _dual(0x001A, mbcs, 0x0032, wide)  # MODULESTREAMNAME
        out += _dual(0x001C, b"", 0x0048, b"")  # MODULEDOCSTRING
        out += _rec(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: source only, no cache
        out += _rec(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
        out += _rec(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
        out += struct.pack("<HI", 0x0021 if module.kind == "module" else 0x0022, 0)  # MODULETYPE
        out += struct.pack("<HI", 0x002B, 0)  # module terminator
    out += struct.pack("<HI", 0x0010, 0)  # dir terminator
    return bytes(out)


# ------------------------------------------------------------------ PROJECT streams (§2.3.1, §2.3.3)
def _project_text(name: str, project_id: str, modules: list[Module], seed: int) -> str:
    lines = [f'ID="{project_id}"']
    for module in modules:
        if module.kind == "document":
            lines.append(f"Document={module.name}/&H00000000")
        elif module.kind == "class":
            lines.append(f"Class={module.name}")
        else:
            lines.append(f"Module={module.name}")
    lines += [f'Name="{name}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
              f'CMG="{encrypt(bytes(4), project_id, seed)}"',  # not protected
              f'DPB="{encrypt(bytes(1), project_id, (seed + 1) & 0xFF)}"',  # no password
              f'GC="{encrypt(bytes([0xFF]), project_id, (seed + 2) & 0xFF)}"',  # visible
              "", "[Host Extender Info]",
              "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000", "",
              "[Workspace]"]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return "\r\n".join(lines) + "\r\n"


def _name_map(modules: list[Module], codepage: int) -> bytes:
    return b"".join(m.name.encode(f"cp{codepage}") + b"\0" + m.name.encode("utf-16-le") + b"\0\0"
                    for m in modules) + b"\0\0"


def _check(modules: list[Module], name: str) -> None:
    seen = set()
    for module in modules:
        if module.kind not in ("module", "class", "document"):
            raise ValueError(f"module {module.name}: unknown kind {module.kind!r}")
        if module.name.lower() in seen or module.name.lower() == name.lower():
            raise ValueError(f"module name {module.name!r} used twice (or is the project's name)")
        seen.add(module.name.lower())
        first = module.source.split("\r\n", 1)[0]
        if first != f'Attribute VB_Name = "{module.name}"':
            raise ValueError(f"module {module.name}: source must start with its VB_Name attribute")
        if "\n" in module.source.replace("\r\n", ""):
            raise ValueError(f"module {module.name}: lines must end in CRLF")


def project_bin(name: str, modules: list[Module], references: list[Reference] = (STDOLE, OFFICE),
                *, codepage: int = 1252) -> bytes:
    """The ``vbaProject.bin`` of a project called ``name`` holding ``modules``."""
    modules = list(modules)
    _check(modules, name)
    digest = hashlib.sha256(repr((name, [(m.name, m.kind, m.source) for m in modules])).encode())
    project_id = "{" + str(uuid.UUID(bytes=digest.digest()[:16])).upper() + "}"
    seed = digest.digest()[16]
    vba = {"_VBA_PROJECT": bytes.fromhex("CC61FFFF000000"),  # version 0xFFFF, no cache
           "dir": compress(_dir_stream(name, modules, list(references), codepage))}
    for module in modules:
        vba[module.name] = compress(module.source.encode(f"cp{codepage}"))
    return write_cfb({
        "PROJECT": _project_text(name, project_id, modules, seed).encode(f"cp{codepage}"),
        "PROJECTwm": _name_map(modules, codepage),
        "VBA": vba,
    })
