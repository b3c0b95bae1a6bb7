package oslo

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"strings"

	dsbzip2 "github.com/dsnet/compress/bzip2"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// This file implements kombu's body compression (kombu.compression), which
// oslo.messaging turns on with kombu_compression: the body is compressed
// whole and the "compression" header names the format by MIME type.

// MaxDecompressedSize is the largest body DecodeNotification decompresses:
// a compressed body that expands beyond it is rejected instead of being
// inflated into memory (a "zip bomb"). It is also well above any real
// notification.
const MaxDecompressedSize = 64 << 20

// CompressionContentType maps a compression name, as EncodeOptions and
// kombu_compression take it, to the header value ("" for none). kombu
// accepts the same aliases and the MIME types themselves.
func CompressionContentType(name string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "":
		return "", nil
	case "gzip", "zlib", CompressionGzip:
		return CompressionGzip, nil
	case "bz2", "bzip2", CompressionBzip2:
		return CompressionBzip2, nil
	case "xz", "lzma", CompressionXz:
		return CompressionXz, nil
	}
	return "", fmt.Errorf("unknown compression %q (valid: bz2, bzip2, gzip, lzma, xz, zlib, the MIME types %s, %s, %s, or empty for none)",
		name, CompressionBzip2, CompressionGzip, CompressionXz)
}

// CompressBody compresses body as kombu does for contentType (one of the
// Compression constants): zlib.compress for application/x-gzip (a zlib
// stream, not a gzip file), bz2.compress (level 9) and lzma.compress (an
// xz container with CRC64).
func CompressBody(contentType string, body []byte) ([]byte, error) {
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch contentType {
	case CompressionGzip:
		w = zlib.NewWriter(&buf)
	case CompressionBzip2:
		w, err = dsbzip2.NewWriter(&buf, &dsbzip2.WriterConfig{Level: 9})
	case CompressionXz:
		// A dictionary larger than the body buys nothing and costs
		// memory on both sides; xz(1) shrinks it the same way.
		dict := min(max(len(body), lzma.MinDictCap), 8<<20)
		w, err = xz.WriterConfig{DictCap: dict}.NewWriter(&buf)
	default:
		return nil, fmt.Errorf("unknown compression content type %q", contentType)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", contentType, err)
	}
	if _, err := w.Write(body); err != nil {
		return nil, fmt.Errorf("%s: %w", contentType, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", contentType, err)
	}
	return buf.Bytes(), nil
}

// errTooLarge is returned when a body decompresses to more than the limit.
var errTooLarge = fmt.Errorf("decompressed body is larger than %d MiB (a compression bomb?)", MaxDecompressedSize>>20)

// decompressBody undoes CompressBody for the header value contentType, as
// kombu.compression.decompress does, producing at most d.limit bytes and
// allocating only as d's reservation allows. Beyond kombu it also accepts
// a real gzip file under application/x-gzip (recognised by its magic
// bytes) and, as Python's lzma.decompress does, the legacy .lzma format
// under application/x-lzma.
func decompressBody(contentType string, body []byte, d *decompression) ([]byte, error) {
	ct := strings.ToLower(strings.TrimSpace(contentType))
	// The chunks of a body and the byte that shows it is too large, and
	// then the body joined (or an LZMA dictionary as large as the body).
	d.max = 2*d.limit + 1
	switch ct {
	case CompressionGzip:
		if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
			r, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				return nil, fmt.Errorf("body is not valid gzip data: %w", err)
			}
			out, err := readAllLimited(nil, r, d)
			if err != nil {
				return nil, wrapCorrupt("gzip", err)
			}
			return out, nil
		}
		r, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("body is not zlib data (as kombu writes for %s): %w", CompressionGzip, err)
		}
		out, err := readAllLimited(nil, r, d)
		if err != nil {
			return nil, wrapCorrupt("zlib", err)
		}
		return out, nil
	case CompressionBzip2:
		out, err := readAllLimited(nil, bzip2.NewReader(bytes.NewReader(body)), d)
		if err != nil {
			return nil, wrapCorrupt("bzip2", err)
		}
		return out, nil
	case CompressionXz:
		if bytes.HasPrefix(body, xzMagic) {
			out, err := decodeXZ(body, d)
			if err != nil {
				return nil, wrapCorrupt("xz", err)
			}
			return out, nil
		}
		// The dictionary limit keeps a forged header from allocating
		// gigabytes before a byte is decoded; what it does allocate is
		// taken from the budget first.
		if err := d.need(lzmaDictSize(body, d.limit)); err != nil {
			return nil, err
		}
		r, err := lzma.ReaderConfig{DictCap: int(d.limit)}.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("body is neither xz nor lzma data: %w", err)
		}
		out, err := readAllLimited(nil, r, d)
		if err != nil {
			return nil, wrapCorrupt("lzma", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown %s header %q (hark understands %s, %s and %s)",
		HeaderCompression, contentType, CompressionGzip, CompressionBzip2, CompressionXz)
}

// lzmaDictSize is the dictionary the legacy .lzma header of body makes
// lzma.NewReader allocate (see its NewReader), at most limit.
func lzmaDictSize(body []byte, limit int64) int64 {
	if len(body) < lzma.HeaderLen {
		return lzma.MinDictCap
	}
	dict := int64(binary.LittleEndian.Uint32(body[1:]))
	if size := int64(binary.LittleEndian.Uint64(body[5:])); size >= 0 && size < dict {
		dict = size
	}
	return min(max(dict, lzma.MinDictCap), limit)
}

func wrapCorrupt(format string, err error) error {
	if errors.Is(err, errTooLarge) || errors.Is(err, errBudgetWait) {
		return err
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("body is not valid %s data: %w", format, err)
}

// decompression is one body's decompression: its size limit and its share
// of the memory budget.
type decompression struct {
	limit int64 // the largest body allowed
	reservation
}

// readAllLimited appends everything r yields to out, failing with
// errTooLarge as soon as out would exceed d.limit bytes. It reads into
// chunks, each as large as all before it, allocated only after the
// reservation grants them and never beyond d.limit+1 bytes in all (the
// one byte more shows that the body is too large), and joins them once at
// the end: a body refused as too large costs at most the limit, with
// nothing copied and left as garbage while it grew.
func readAllLimited(out []byte, r io.Reader, d *decompression) ([]byte, error) {
	room := d.limit + 1 - int64(len(out))
	r = io.LimitReader(r, room)
	var chunks [][]byte
	var read int64
	for {
		if read == room {
			return nil, errTooLarge
		}
		size := min(max(read, 4096), room-read)
		if err := d.need(size); err != nil {
			return nil, err
		}
		chunk := make([]byte, 0, size)
		var err error
		for len(chunk) < cap(chunk) && err == nil {
			var n int
			n, err = r.Read(chunk[len(chunk):cap(chunk)])
			chunk = chunk[:len(chunk)+n]
		}
		chunks = append(chunks, chunk)
		read += int64(len(chunk))
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if read == room {
		return nil, errTooLarge
	}
	if len(out) == 0 && len(chunks) == 1 {
		return chunks[0], nil
	}
	if err := d.need(int64(len(out)) + read); err != nil {
		return nil, err
	}
	joined := make([]byte, 0, int64(len(out))+read)
	joined = append(joined, out...)
	for _, c := range chunks {
		joined = append(joined, c...)
		d.free(int64(cap(c)))
	}
	d.free(int64(cap(out)))
	return joined, nil
}

// The xz container (https://tukaani.org/xz/xz-file-format.txt) is decoded
// here rather than by github.com/ulikunitz/xz's Reader, which allocates
// whatever dictionary a block header asks for (up to 4 GiB) before
// decoding anything: one forged 30-byte message could exhaust memory. This
// decoder finds each block's extent by walking its LZMA2 chunk headers,
// refuses blocks that claim more output than the limit, sizes the
// dictionary to what the block can actually use, decodes the block with
// ulikunitz's LZMA2 reader confined to the block's bytes, and verifies
// checks, index and footer as liblzma does.

var xzMagic = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}

const (
	xzHeaderLen   = 12
	xzFilterLZMA2 = 0x21
)

// decodeXZ decodes one or more concatenated xz streams (with optional
// stream padding between them), as Python's lzma.decompress does.
func decodeXZ(b []byte, d *decompression) ([]byte, error) {
	var out []byte
	pos := 0
	for n := 0; ; n++ {
		if n > 0 {
			for len(b)-pos >= 4 && binary.LittleEndian.Uint32(b[pos:]) == 0 {
				pos += 4
			}
			if pos == len(b) {
				return out, nil
			}
		}
		var err error
		if out, pos, err = decodeXZStream(b, pos, out, d); err != nil {
			return nil, err
		}
	}
}

type xzRecord struct{ unpadded, uncompressed int64 }

func decodeXZStream(b []byte, pos int, out []byte, d *decompression) ([]byte, int, error) {
	if len(b)-pos < xzHeaderLen || !bytes.Equal(b[pos:pos+6], xzMagic) {
		return nil, 0, fmt.Errorf("no xz stream header at offset %d", pos)
	}
	flags := b[pos+6 : pos+8]
	if crc32.ChecksumIEEE(flags) != binary.LittleEndian.Uint32(b[pos+8:]) {
		return nil, 0, errors.New("xz stream header checksum mismatch")
	}
	if flags[0] != 0 || flags[1]&0xf0 != 0 {
		return nil, 0, fmt.Errorf("unsupported xz stream flags %#x %#x", flags[0], flags[1])
	}
	check := flags[1]
	checkLen, newCheck, err := xzCheck(check)
	if err != nil {
		return nil, 0, err
	}
	pos += xzHeaderLen

	var records []xzRecord
	for {
		if pos >= len(b) {
			return nil, 0, io.ErrUnexpectedEOF
		}
		if b[pos] == 0 { // index indicator
			break
		}
		var rec xzRecord
		if out, pos, rec, err = decodeXZBlock(b, pos, out, d, checkLen, newCheck); err != nil {
			return nil, 0, err
		}
		records = append(records, rec)
	}

	indexStart := pos
	pos++
	count, pos, err := xzVarint(b, pos)
	if err != nil {
		return nil, 0, fmt.Errorf("xz index: %w", err)
	}
	if count != uint64(len(records)) {
		return nil, 0, fmt.Errorf("xz index lists %d blocks, the stream has %d", count, len(records))
	}
	for _, rec := range records {
		var unpadded, uncompressed uint64
		if unpadded, pos, err = xzVarint(b, pos); err == nil {
			uncompressed, pos, err = xzVarint(b, pos)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("xz index: %w", err)
		}
		if unpadded != uint64(rec.unpadded) || uncompressed != uint64(rec.uncompressed) {
			return nil, 0, errors.New("xz index does not match the blocks")
		}
	}
	if pos, err = xzPadding(b, pos, indexStart); err != nil {
		return nil, 0, fmt.Errorf("xz index: %w", err)
	}
	if len(b)-pos < 4 {
		return nil, 0, io.ErrUnexpectedEOF
	}
	if crc32.ChecksumIEEE(b[indexStart:pos]) != binary.LittleEndian.Uint32(b[pos:]) {
		return nil, 0, errors.New("xz index checksum mismatch")
	}
	pos += 4
	indexSize := pos - indexStart

	if len(b)-pos < xzHeaderLen {
		return nil, 0, io.ErrUnexpectedEOF
	}
	f := b[pos : pos+xzHeaderLen]
	switch {
	case crc32.ChecksumIEEE(f[4:10]) != binary.LittleEndian.Uint32(f):
		return nil, 0, errors.New("xz stream footer checksum mismatch")
	case (int64(binary.LittleEndian.Uint32(f[4:]))+1)*4 != int64(indexSize):
		return nil, 0, errors.New("xz stream footer does not match the index size")
	case !bytes.Equal(f[8:10], flags):
		return nil, 0, errors.New("xz stream footer flags differ from the header's")
	case f[10] != 'Y' || f[11] != 'Z':
		return nil, 0, errors.New("xz stream footer magic missing")
	}
	return out, pos + xzHeaderLen, nil
}

// decodeXZBlock decodes the block at b[pos:], appending its output to out.
func decodeXZBlock(b []byte, pos int, out []byte, d *decompression, checkLen int, newCheck func() hash.Hash) ([]byte, int, xzRecord, error) {
	var rec xzRecord
	blockStart := pos
	hlen := (int(b[pos]) + 1) * 4
	if len(b)-pos < hlen {
		return nil, 0, rec, io.ErrUnexpectedEOF
	}
	hdr := b[pos : pos+hlen-4]
	if crc32.ChecksumIEEE(hdr) != binary.LittleEndian.Uint32(b[pos+hlen-4:]) {
		return nil, 0, rec, errors.New("xz block header checksum mismatch")
	}
	bflags := hdr[1]
	if bflags&0x3c != 0 {
		return nil, 0, rec, fmt.Errorf("unsupported xz block flags %#x", bflags)
	}
	p := 2
	compressed, uncompressed := int64(-1), int64(-1)
	var v uint64
	var err error
	if bflags&0x40 != 0 {
		if v, p, err = xzVarint(hdr, p); err != nil {
			return nil, 0, rec, fmt.Errorf("xz block header: %w", err)
		}
		compressed = int64(v)
	}
	if bflags&0x80 != 0 {
		if v, p, err = xzVarint(hdr, p); err != nil {
			return nil, 0, rec, fmt.Errorf("xz block header: %w", err)
		}
		uncompressed = int64(v)
	}
	if bflags&3 != 0 {
		return nil, 0, rec, fmt.Errorf("xz filter chains of %d filters are not supported (only LZMA2 alone)", bflags&3+1)
	}
	id, p, err := xzVarint(hdr, p)
	if err != nil {
		return nil, 0, rec, fmt.Errorf("xz block header: %w", err)
	}
	if id != xzFilterLZMA2 {
		return nil, 0, rec, fmt.Errorf("unsupported xz filter %#x (only LZMA2)", id)
	}
	propLen, p, err := xzVarint(hdr, p)
	if err != nil || propLen != 1 || p >= len(hdr) {
		return nil, 0, rec, errors.New("xz block header: bad LZMA2 properties")
	}
	dictByte := hdr[p]
	if dictByte > 40 {
		return nil, 0, rec, fmt.Errorf("xz block header: bad LZMA2 dictionary size %d", dictByte)
	}
	dict := int64(0xffffffff)
	if dictByte < 40 {
		dict = int64(2|dictByte&1) << (dictByte/2 + 11)
	}
	for _, c := range hdr[p+1:] {
		if c != 0 {
			return nil, 0, rec, errors.New("xz block header padding is not zero")
		}
	}
	pos += hlen

	// Walk the LZMA2 chunk headers to find the end of the block's data
	// and the output it claims, before allocating anything.
	dataStart := pos
	var claimed int64
walk:
	for {
		if pos >= len(b) {
			return nil, 0, rec, io.ErrUnexpectedEOF
		}
		switch c := b[pos]; {
		case c == 0x00:
			pos++
			break walk
		case c == 0x01 || c == 0x02:
			if len(b)-pos < 3 {
				return nil, 0, rec, io.ErrUnexpectedEOF
			}
			n := int(binary.BigEndian.Uint16(b[pos+1:])) + 1
			claimed += int64(n)
			pos += 3 + n
		case c >= 0x80:
			if len(b)-pos < 5 {
				return nil, 0, rec, io.ErrUnexpectedEOF
			}
			claimed += int64(c&0x1f)<<16 + int64(binary.BigEndian.Uint16(b[pos+1:])) + 1
			hl := 5
			if c >= 0xc0 {
				hl = 6
			}
			pos += hl + int(binary.BigEndian.Uint16(b[pos+3:])) + 1
		default:
			return nil, 0, rec, fmt.Errorf("invalid LZMA2 chunk type %#x at offset %d", c, pos)
		}
		if int64(len(out))+claimed > d.limit {
			return nil, 0, rec, errTooLarge
		}
	}
	if pos > len(b) {
		return nil, 0, rec, io.ErrUnexpectedEOF
	}
	data := b[dataStart:pos]
	if compressed >= 0 && compressed != int64(len(data)) {
		return nil, 0, rec, errors.New("xz block size differs from its header")
	}

	// Matches never reach further back than the block's own output, so a
	// dictionary larger than that is never needed.
	dictCap := min(dict, max(claimed+4096, int64(lzma.MinDictCap)))
	if err := d.need(dictCap); err != nil {
		return nil, 0, rec, err
	}
	r, err := lzma.Reader2Config{DictCap: int(dictCap)}.NewReader2(bytes.NewReader(data))
	if err != nil {
		return nil, 0, rec, err
	}
	before := len(out)
	out, err = readAllLimited(out, r, d)
	d.free(dictCap) // the next block has its own
	if err != nil {
		return nil, 0, rec, err
	}
	blockOut := out[before:]
	if uncompressed >= 0 && uncompressed != int64(len(blockOut)) {
		return nil, 0, rec, errors.New("xz block output size differs from its header")
	}
	if pos, err = xzPadding(b, pos, blockStart); err != nil {
		return nil, 0, rec, fmt.Errorf("xz block: %w", err)
	}
	if len(b)-pos < checkLen {
		return nil, 0, rec, io.ErrUnexpectedEOF
	}
	if newCheck != nil {
		h := newCheck()
		h.Write(blockOut)
		if !xzCheckMatches(h, b[pos:pos+checkLen]) {
			return nil, 0, rec, errors.New("xz block check mismatch: the data is corrupt")
		}
	}
	pos += checkLen
	rec = xzRecord{unpadded: int64(hlen + len(data) + checkLen), uncompressed: int64(len(blockOut))}
	return out, pos, rec, nil
}

// xzCheck returns the size and hash of a stream's check type. Only the
// types liblzma writes (none, CRC32, CRC64, SHA-256) are supported.
func xzCheck(check byte) (int, func() hash.Hash, error) {
	switch check {
	case 0x00:
		return 0, nil, nil
	case 0x01:
		return 4, func() hash.Hash { return crc32.NewIEEE() }, nil
	case 0x04:
		return 8, func() hash.Hash { return crc64.New(crc64.MakeTable(crc64.ECMA)) }, nil
	case 0x0a:
		return 32, sha256.New, nil
	}
	return 0, nil, fmt.Errorf("unsupported xz check type %#x", check)
}

// xzCheckMatches compares a computed check with the stored one. CRCs are
// stored little-endian; hash.Hash.Sum gives them big-endian.
func xzCheckMatches(h hash.Hash, stored []byte) bool {
	switch h := h.(type) {
	case hash.Hash32:
		return h.Sum32() == binary.LittleEndian.Uint32(stored)
	case hash.Hash64:
		return h.Sum64() == binary.LittleEndian.Uint64(stored)
	}
	return bytes.Equal(h.Sum(nil), stored)
}

// xzVarint reads an xz multibyte integer (7 bits a byte, little-endian, at
// most 9 bytes) at b[pos:].
func xzVarint(b []byte, pos int) (uint64, int, error) {
	var v uint64
	for i := 0; i < 9; i++ {
		if pos >= len(b) {
			return 0, 0, io.ErrUnexpectedEOF
		}
		c := b[pos]
		pos++
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			if c == 0 && i > 0 {
				return 0, 0, errors.New("non-minimal integer encoding")
			}
			return v, pos, nil
		}
	}
	return 0, 0, errors.New("integer too long")
}

// xzPadding skips the zero bytes that align b[pos:] to a multiple of four
// from start.
func xzPadding(b []byte, pos, start int) (int, error) {
	for (pos-start)%4 != 0 {
		if pos >= len(b) {
			return 0, io.ErrUnexpectedEOF
		}
		if b[pos] != 0 {
			return 0, errors.New("padding is not zero")
		}
		pos++
	}
	return pos, nil
}
