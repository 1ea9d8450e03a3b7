"""What a returned file is, before a reader parses it: container, version, password.

A reader that fails says little ("cannot detect file format"), and a collectivité told that its
file is damaged sends the same file again. So the bytes are looked at first:

- an OLE container (``.xls``, or an Office file protected by a password) is opened far enough to
  list its streams (:class:`OleFile`, [MS-CFB]): ``EncryptionInfo`` means an xlsx/xlsm encrypted
  with a password; a ``Workbook`` (Excel 97+, BIFF8) or ``Book`` (Excel 5.0/95, BIFF5) stream
  whose first records hold a FILEPASS record (0x002F, [MS-XLS] 2.4.117) is an xls with a password;
- a bare BIFF2–BIFF4 stream (Excel 2.x, 3.0, 4.0: no OLE container) is a format too old to read;
- an OpenDocument archive whose manifest holds ``<manifest:encryption-data>`` is protected by a
  password (ODF 1.2 §3.4); so is a zip archive whose members are encrypted.

The French messages of these refusals live here, once (:func:`password_problem`,
:func:`too_old_problem`, :func:`damaged_problem`).
"""

from __future__ import annotations

import struct
import sys
import zipfile
import zlib
from array import array
from dataclasses import dataclass

from pipeline.common.issues import Issue

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

_MAX_SECTOR = 0xFFFFFFFA  # sector numbers at or above are markers (free, end of chain, FAT, DIFAT)
_MAX_ENTRIES = 10_000  # directory entries looked at (a spreadsheet has a dozen)
_HEAD_BYTES = 8192  # bytes of a workbook stream read to find its BOF and FILEPASS records
_BOF, _FILEPASS, _EOF = 0x0809, 0x002F, 0x000A
# bare BIFF streams: BOF record id -> the Excel version that wrote it
_OLD_BOF = {0x0009: "Excel 2.x", 0x0209: "Excel 3.0", 0x0409: "Excel 4.0"}
# BOF substream types of BIFF2-4: worksheet, chart, macro sheet, workspace, workbook (BIFF4W)
_OLD_TYPES = {0x0010, 0x0020, 0x0040, 0x0100}
EXCEL_95 = "Excel 5.0/95"


@dataclass(frozen=True)
class OleInfo:
    """What the streams of an OLE container say about a file."""

    encrypted: bool = False  # a password is needed to read it
    version: str = ""  # "Excel 5.0/95" for a BIFF5 workbook, "" otherwise
    other: str = ""  # a French name when it is an Office file that is not a spreadsheet
    workbook: bool = False  # a Workbook or Book stream was found


class OleFile:
    """The directory of an OLE compound file ([MS-CFB]) and the start of its streams.

    Only what is needed to tell a file's kind: stream names, and the first bytes of a stream.
    Every position is checked against the data: a broken or hostile container raises ValueError.
    """

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(OLE_MAGIC):
            raise ValueError("not an OLE container")
        self._data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("odd sector size")
        self._size = 1 << shift
        self._mini = 1 << mini_shift
        (n_fat, dir_start, _, self._cutoff, minifat_start, _, difat_start, n_difat) = struct.unpack_from("<8I", data, 44)
        n_sectors = max(0, len(data) // self._size - 1) + 1
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s < _MAX_SECTOR]
        sector, seen = difat_start, 0
        while sector < _MAX_SECTOR and seen < min(n_difat, n_sectors):
            more = self._ints(self._sector(sector))
            fat_sectors += [s for s in more[:-1] if s < _MAX_SECTOR]
            sector, seen = more[-1], seen + 1
        self._fat = array("I")
        for s in fat_sectors[:min(n_fat, n_sectors)]:
            self._fat.extend(self._ints(self._sector(s)))
        self.entries: list[tuple[str, int, int, int]] = []  # (name, type, start sector, size)
        for s in self._chain(dir_start, self._fat):
            block = self._sector(s)
            for off in range(0, self._size, 128):
                name_len, kind = struct.unpack_from("<HB", block, off + 64)
                start, size = struct.unpack_from("<II", block, off + 116)
                name = block[off:off + min(name_len, 64)].decode("utf-16-le", "replace").rstrip("\0")
                self.entries.append((name, kind, start, size))
            if len(self.entries) > _MAX_ENTRIES:
                break
        if not self.entries or self.entries[0][1] != 5:
            raise ValueError("no root entry")
        self._minifat = array("I")
        for s in self._chain(minifat_start, self._fat):
            self._minifat.extend(self._ints(self._sector(s)))

    @staticmethod
    def _ints(block: bytes) -> array:
        out = array("I", block[: len(block) - len(block) % 4])
        if sys.byteorder == "big":
            out.byteswap()
        return out

    def _sector(self, n: int) -> bytes:
        off = (n + 1) * self._size
        if off >= len(self._data):
            raise ValueError("sector past the end of the file")
        return self._data[off:off + self._size].ljust(self._size, b"\0")

    @staticmethod
    def _chain(start: int, fat: array):
        """Sector numbers of a chain, each once: stops at its end or where it loops (a hostile
        chain never reads more than the file holds)."""
        seen: set[int] = set()
        while start < _MAX_SECTOR and start not in seen:
            yield start
            if start >= len(fat):
                return
            seen.add(start)
            start = fat[start]

    def streams(self) -> list[str]:
        """Names of the streams."""
        return [name for name, kind, _, _ in self.entries if kind == 2]

    def head(self, name: str, n: int = _HEAD_BYTES) -> bytes:
        """The first ``n`` bytes of the stream called ``name`` (any case); b"" when absent."""
        found = [e for e in self.entries if e[1] == 2 and e[0].lower() == name.lower()]
        if not found:
            return b""
        _, _, start, size = found[0]
        n = min(n, size)
        out = bytearray()
        if size < self._cutoff:  # in the mini stream, itself a chain of the root entry
            root = list(self._chain(self.entries[0][2], self._fat))
            for m in self._chain(start, self._minifat):
                pos = m * self._mini
                k = pos // self._size
                if k >= len(root):
                    break
                out += self._sector(root[k])[pos % self._size: pos % self._size + self._mini]
                if len(out) >= n:
                    break
        else:
            for s in self._chain(start, self._fat):
                out += self._sector(s)
                if len(out) >= n:
                    break
        return bytes(out[:n])


def ole_info(data: bytes) -> OleInfo:
    """Encryption, Excel version or other kind of an OLE container (defaults when it cannot be read)."""
    try:
        ole = OleFile(data)
        names = {name.lower() for name in ole.streams()}
        if {"encryptioninfo", "encryptedpackage"} & names:
            return OleInfo(encrypted=True)
        stream = "workbook" if "workbook" in names else "book" if "book" in names else ""
        if not stream:
            if "worddocument" in names:
                return OleInfo(other="document Word (.doc)")
            if "powerpoint document" in names:
                return OleInfo(other="diaporama PowerPoint (.ppt)")
            return OleInfo()
        version, encrypted = _biff_globals(ole.head(stream))
        return OleInfo(encrypted=encrypted, version=version or (EXCEL_95 if stream == "book" else ""), workbook=True)
    except (ValueError, struct.error, IndexError, OverflowError, MemoryError):
        # not a container we can list: fall back on the names an encrypted Office file holds
        encrypted = "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data
        return OleInfo(encrypted=encrypted)


def _biff_globals(head: bytes) -> tuple[str, bool]:
    """(version, password) from the first records of a BIFF5/BIFF8 workbook stream."""
    if len(head) < 8:
        return "", False
    rid, length, vers = struct.unpack_from("<HHH", head, 0)
    if rid != _BOF:
        return "", False
    version = EXCEL_95 if vers == 0x0500 else ""
    pos, n = 4 + length, 0
    while pos + 4 <= len(head) and n < 64:
        rid, length = struct.unpack_from("<HH", head, pos)
        if rid == _FILEPASS:
            return version, True
        if rid in (_EOF, _BOF):
            break
        pos, n = pos + 4 + length, n + 1
    return version, False


def old_biff_version(head: bytes) -> str:
    """'Excel 4.0' (etc.) when ``head`` starts a bare BIFF2-BIFF4 stream, or a bare BIFF5 one; '' otherwise."""
    if len(head) < 8:
        return ""
    rid, length, vers, kind = struct.unpack_from("<HHHH", head, 0)
    if rid in _OLD_BOF and length in (4, 6, 8, 16) and kind in _OLD_TYPES:
        return _OLD_BOF[rid]
    if rid == _BOF and vers == 0x0500 and length in (8, 16, 20) and kind in (0x0005, 0x0010):
        return EXCEL_95
    return ""


def zip_encrypted(z: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> bool:
    """A zip archive needing a password: encrypted members, or an OpenDocument manifest declaring encryption."""
    if any(i.flag_bits & 0x1 for i in infos):
        return True
    manifest = next((i for i in infos if i.filename == "META-INF/manifest.xml"), None)
    if manifest is None or manifest.file_size > 4 << 20:
        return False
    try:
        return b"encryption-data" in z.read(manifest)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
        return False


def xml_encoding(head: bytes) -> str:
    """The codec of an XML part from its first bytes: 'utf-16' (with BOM), 'utf-16-le'/'-be' (without), 'utf-8'."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.startswith(b"<\x00"):
        return "utf-16-le"
    if head.startswith(b"\x00<"):
        return "utf-16-be"
    return "utf-8"


# --- the French messages ------------------------------------------------------------------------
def password_problem(name: str, fmt: str) -> Issue:
    """The file needs a password: how the collectivité sends it without one."""
    return Issue(
        "encrypted_file",
        "Le fichier est protégé par un mot de passe et ne peut pas être lu : demandez à la collectivité de le "
        "renvoyer sans mot de passe (Excel : Fichier > Informations > Protéger le classeur > Chiffrer avec mot de "
        "passe, effacer le mot de passe puis enregistrer ; LibreOffice : Fichier > Enregistrer sous…, en décochant "
        "« Enregistrer avec mot de passe »).",
        name, severity="error",
    )


def too_old_problem(name: str, version: str) -> Issue:
    """A workbook written by an Excel too old to be read (``version``: 'Excel 4.0')."""
    return Issue(
        "format_too_old",
        f"Le classeur est dans un format trop ancien ({version}) : enregistrez-le au format .xlsx (Fichier > "
        "Enregistrer sous… dans Excel ou LibreOffice) puis renvoyez-le.",
        name, severity="error",
    )


def damaged_problem(name: str, what: str = "Le classeur") -> Issue:
    """A workbook no reader can open."""
    return Issue(
        "corrupt_file",
        f"{what} est abîmé et ne peut pas être lu : demandez à la collectivité de l'ouvrir dans Excel ou "
        "LibreOffice, de l'enregistrer au format .xlsx puis de le renvoyer.",
        name, severity="error",
    )
