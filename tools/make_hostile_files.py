#!/usr/bin/env python3
"""Writes the hostile workbooks of issue 12 into fixtures/hostile/ (the tests read them from
there; this script says how they were made):

- far-cell.xlsx: 1.4 KB, one cell at XFD1048576, so a dense reader asks for 17 billion cells;
- bomb.xlsx: about 1 MB that inflates to 1 GiB of sheet XML (a zip bomb);
- cyclic.xls: 1.5 KB, an OLE compound file whose Workbook stream's sector chain points to
  itself;
- many-cells.xlsx: 64 KB holding 2,100,000 small cells, just over what the workbook
  reader hands back (mamori_form::workbook::MAX_CELLS).
"""
import os
import struct
import zipfile
import zlib

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "hostile")

PARTS = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="survey" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
HEAD = '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
TAIL = "</sheetData></worksheet>"


def xlsx(name, write_sheet):
    with zipfile.ZipFile(os.path.join(HERE, name), "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for part, text in PARTS.items():
            z.writestr(part, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            write_sheet(sheet)


def far_cell(out):
    out.write((HEAD + '<row r="1"><c r="A1" t="inlineStr"><is><t>type</t></is></c></row>'
               '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>' + TAIL).encode())


def bomb(out):
    out.write(HEAD.encode())
    row = b'<row><c t="inlineStr"><is><t>aaaaaaaaaaaaaaaa</t></is></c></row>' * 16384
    for _ in range((1 << 30) // len(row)):
        out.write(row)
    out.write(TAIL.encode())


def many_cells(out):
    out.write(HEAD.encode())
    row = "<row>" + "<c><v>1</v></c>" * 1000 + "</row>"
    for _ in range(2100):
        out.write(row.encode())
    out.write(TAIL.encode())


def cyclic_xls():
    sector = 512
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    header = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16))
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    fat = struct.pack("<IIII", fat_sector, end, 2, end) + struct.pack("<I", free) * 124  # sector 2 -> 2
    def entry(name, kind, start, size, child=free):
        n = (name + "\0").encode("utf-16-le")
        # 128 bytes: name, its length, type, colour, siblings, child, CLSID + state + times
        # (36), then the starting sector at offset 116 and the stream size at 120.
        e = n + bytes(64 - len(n)) + struct.pack("<HBBIII", len(n), kind, 1, free, free, child) + bytes(36)
        return e + struct.pack("<IQ", start, size)
    directory = entry("Root Entry", 5, end, 0, child=1) + entry("Workbook", 2, 2, 1 << 30)
    directory += bytes(sector - len(directory))
    data = bytes(header) + fat + directory + b"\x09\x08" + bytes(sector - 2)
    with open(os.path.join(HERE, "cyclic.xls"), "wb") as f:
        f.write(data)


if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    xlsx("far-cell.xlsx", far_cell)
    xlsx("bomb.xlsx", bomb)
    xlsx("many-cells.xlsx", many_cells)
    cyclic_xls()
