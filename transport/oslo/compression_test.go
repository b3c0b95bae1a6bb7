package oslo_test

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"io"
	"os/exec"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/ulikunitz/xz"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// pyBody is json.dumps of a v2 envelope, written by Python 3.11:
const pyBody = `{"oslo.version": "2.0", "oslo.message": "{\"message_id\": \"0f5bd3d4-5a1c-4c6e-9d7e-3d1f8e2a6b10\", \"publisher_id\": \"py.host\", \"event_type\": \"py.event\", \"priority\": \"INFO\", \"payload\": {\"n\": 1, \"s\": \"h\\u00e9llo \\u2603 \\ud83d\\ude00\"}, \"timestamp\": \"2026-01-02 03:04:05\", \"_unique_id\": \"2b0c2f8a9e6b4e4f8a6c5d3e2f1a0b9c\", \"_context_user\": \"u1\"}"}`

// pyCompressed holds pyBody compressed by Python 3.11 (zlib, gzip, bz2,
// lzma modules) and xz 5.4, hex-encoded.
var pyCompressed = []struct{ name, header, how, hex string }{
	{"zlib", "application/x-gzip", "zlib.compress(body), as kombu writes application/x-gzip",
		"789c458fdd6e842010855fc5705dcc006ad507d8a437ed0b901894b192b86205" +
			"36359b7df7e262b65767e69b39f37327d6cd36bfe1e68c5d489b119e0379cb12" +
			"bea273ea1b0f7c97e4cc3aa3652492c058f65ae882968a0db4182aa48d7e472a" +
			"341b6be4aaea19c8384b9235f4b371136e2fefbae793753e95f1868beffcbee2" +
			"abf844a7793376337e4fb58fcfcbd7c9d53e5bf59c178f5b0e650777a9719232" +
			"006033cf368b21af401caa6ba10f4188b73d8e7e6fe2635e5dd7e4e3c02b0a8c" +
			"02cf40b450b450a67d5d58cc4ff87f9ff730f0b1560d567d81458caaa1d402f9" +
			"c814f4cd70ba06bb78fcf55d70b8256360713379fc01527c72f1"},
	{"gzip file", "application/x-gzip", "gzip.compress(body, mtime=0): a real gzip container",
		"1f8b0800000000000203458fdd6e842010855fc5705dcc006ad507d8a437ed0b" +
			"901894b192b8620536359b7df7e262b65767e69b39f37327d6cd36bfe1e68c5d" +
			"489b119e0379cb12bea273ea1b0f7c97e4cc3aa3652492c058f65ae882968a0d" +
			"b4182aa48d7e472a341b6be4aaea19c8384b9235f4b371136e2fefbae793753e" +
			"95f1868beffcbee2abf844a7793376337e4fb58fcfcbd7c9d53e5bf59c178f5b" +
			"0e650777a9719232006033cf368b21af401caa6ba10f4188b73d8e7e6fe2635e" +
			"5dd7e4e3c02b0a8c02cf40b450b450a67d5d58cc4ff87f9ff730f0b1560d567d" +
			"81458caaa1d402f9c814f4cd70ba06bb78fcf55d70b8256360713379fc01fe90" +
			"b23c7b010000"},
	{"bz2", "application/x-bz2", "bz2.compress(body)",
		"425a68393141592653597b825bce0000ba9f8050077ff001218004bfe7ff6a30" +
			"00fad2c350d093c9327a69a87a9b534d9407a8d01a9a9ea6d02436a323231a99" +
			"00da80c494d3349a64d188d0c2641a69926728910c522820b08d9f4930a18776" +
			"200768c00643590999b8a2ccde877e0e18a75805b6f78dafe9a2305a09b45d15" +
			"603aae23bd22f5c8e08de866f66e10423685a9ac5a3c055d648e52ab19e651b1" +
			"596ff6584e2732618501c0126fa20aea062c0cbc8ec74b98a6e0bc1530ed9a34" +
			"93978f39cd884b2a69a4ab5b6305dcdbf0637e88491a9abca31b6e4460176ec8" +
			"998594f544a04b19b9fd2ac4edc81b804ec483971a204052d17ba8a760825681" +
			"0112e23f33450d1e1cb721aec0f1c9402aa168ff28ff1772453850907b825bce"},
	{"xz crc64", "application/x-lzma", "lzma.compress(body), as kombu writes application/x-lzma",
		"fd377a585a000004e6d6b4460200210116000000742fe5a3e0017a01075d003d" +
			"8889e773ddf1e363fd48fa4d609eaf05b4e00fcef70b67e7f7bd55086e6d883b" +
			"3d01e761d0f6b049b6a319373dffbb789a632463e7f5b2baf9b72cb37cb059d7" +
			"d0eb8f86451787839c46823b8afcf721a130703d2c2ccdd3ac07b88f1e9c1126" +
			"cdf3340a9fe5e901566be7c4b652519035d8c6685a1dfeee6e254e00f9cab436" +
			"69c1e94eb2add6e102d33037ab129e49a183299409ec97fff3fe3234fa5457e2" +
			"c7f9257eda0dbcabdabfece4763dcc515bbb0cc6f3e4755ab6afb71a9af82148" +
			"e70dd83b277c4821afd4a20078852ca6711cf0901d8efcbbb81bd277b3d6472b" +
			"411d9e127939358b01cefaec4756d346dbdd4b25fb111944c17625199999a7bb" +
			"726047bb72da0000c11cbe747fa64fc80001a302fb02000035a1fe74b1c467fb" +
			"020000000004595a"},
	{"xz sha256", "application/x-lzma", "lzma.compress(body, check=lzma.CHECK_SHA256)",
		"fd377a585a00000ae1fb0ca10200210116000000742fe5a3e0017a01075d003d" +
			"8889e773ddf1e363fd48fa4d609eaf05b4e00fcef70b67e7f7bd55086e6d883b" +
			"3d01e761d0f6b049b6a319373dffbb789a632463e7f5b2baf9b72cb37cb059d7" +
			"d0eb8f86451787839c46823b8afcf721a130703d2c2ccdd3ac07b88f1e9c1126" +
			"cdf3340a9fe5e901566be7c4b652519035d8c6685a1dfeee6e254e00f9cab436" +
			"69c1e94eb2add6e102d33037ab129e49a183299409ec97fff3fe3234fa5457e2" +
			"c7f9257eda0dbcabdabfece4763dcc515bbb0cc6f3e4755ab6afb71a9af82148" +
			"e70dd83b277c4821afd4a20078852ca6711cf0901d8efcbbb81bd277b3d6472b" +
			"411d9e127939358b01cefaec4756d346dbdd4b25fb111944c17625199999a7bb" +
			"726047bb72da000057dc212f2200253ffef18e4c63e0482ae2539bb131bd41ef" +
			"772d13e90e63e4e20001bb02fb020000c3217b9bb6e9df1c02000000000a595a"},
	{"xz crc32", "application/x-lzma", "lzma.compress(body, check=lzma.CHECK_CRC32)",
		"fd377a585a0000016922de360200210116000000742fe5a3e0017a01075d003d" +
			"8889e773ddf1e363fd48fa4d609eaf05b4e00fcef70b67e7f7bd55086e6d883b" +
			"3d01e761d0f6b049b6a319373dffbb789a632463e7f5b2baf9b72cb37cb059d7" +
			"d0eb8f86451787839c46823b8afcf721a130703d2c2ccdd3ac07b88f1e9c1126" +
			"cdf3340a9fe5e901566be7c4b652519035d8c6685a1dfeee6e254e00f9cab436" +
			"69c1e94eb2add6e102d33037ab129e49a183299409ec97fff3fe3234fa5457e2" +
			"c7f9257eda0dbcabdabfece4763dcc515bbb0cc6f3e4755ab6afb71a9af82148" +
			"e70dd83b277c4821afd4a20078852ca6711cf0901d8efcbbb81bd277b3d6472b" +
			"411d9e127939358b01cefaec4756d346dbdd4b25fb111944c17625199999a7bb" +
			"726047bb72da0000fe90b23c00019f02fb020000e36646073e300d8b02000000" +
			"0001595a"},
	{"xz no check", "application/x-lzma", "lzma.compress(body, check=lzma.CHECK_NONE)",
		"fd377a585a000000ff12d9410200210116000000742fe5a3e0017a01075d003d" +
			"8889e773ddf1e363fd48fa4d609eaf05b4e00fcef70b67e7f7bd55086e6d883b" +
			"3d01e761d0f6b049b6a319373dffbb789a632463e7f5b2baf9b72cb37cb059d7" +
			"d0eb8f86451787839c46823b8afcf721a130703d2c2ccdd3ac07b88f1e9c1126" +
			"cdf3340a9fe5e901566be7c4b652519035d8c6685a1dfeee6e254e00f9cab436" +
			"69c1e94eb2add6e102d33037ab129e49a183299409ec97fff3fe3234fa5457e2" +
			"c7f9257eda0dbcabdabfece4763dcc515bbb0cc6f3e4755ab6afb71a9af82148" +
			"e70dd83b277c4821afd4a20078852ca6711cf0901d8efcbbb81bd277b3d6472b" +
			"411d9e127939358b01cefaec4756d346dbdd4b25fb111944c17625199999a7bb" +
			"726047bb72da000000019b02fb020000f524d79ca8000afc020000000000595a"},
	{"lzma alone", "application/x-lzma", "lzma.compress(body, format=lzma.FORMAT_ALONE)",
		"5d00008000ffffffffffffffff003d8889e773ddf1e363fd48fa4d609eaf05b4" +
			"e00fcef70b67e7f7bd55086e6d883b3d01e761d0f6b049b6a319373dffbb789a" +
			"632463e7f5b2baf9b72cb37cb059d7d0eb8f86451787839c46823b8afcf721a1" +
			"30703d2c2ccdd3ac07b88f1e9c1126cdf3340a9fe5e901566be7c4b652519035" +
			"d8c6685a1dfeee6e254e00f9cab43669c1e94eb2add6e102d33037ab129e49a1" +
			"83299409ec97fff3fe3234fa5457e2c7f9257eda0dbcabdabfece4763dcc515b" +
			"bb0cc6f3e4755ab6afb71a9af82148e70dd83b277c4821afd4a20078852ca671" +
			"1cf0901d8efcbbb81bd277b3d6472b411d9e127939358b01cefaec4756d346db" +
			"dd4b25fb111944c17625199999a7bb726048653d9a7bffa2aa4000"},
	{"xz two streams", "application/x-lzma", "two lzma.compress streams with 4 bytes of stream padding between",
		"fd377a585a000004e6d6b4460200210116000000742fe5a3e000bc008b5d003d" +
			"8889e773ddf1e363fd48fa4d609eaf05b4e00fcef70b67e7f7bd55086e6d883b" +
			"3d01e761d0f6b049b6a319373dffbb789a632463e7f5b2baf9b72cb37cb059d7" +
			"d0eb8f86451787839c46823b8afcf721a130703d2c2ccdd3ac07b88f1e9c1126" +
			"cdf3340a9fe5e901566be7c4b652519035d8c6685a1dfeee6e254e00f9cab436" +
			"69c1e94eb2adcda1e6800000b2226c35612e7ff60001a701bd0100004b20f614" +
			"b1c467fb020000000004595a00000000fd377a585a000004e6d6b44602002101" +
			"16000000742fe5a3e000bd00985d003c9b0a41f4d7cd6e642e15fba9b533caa3" +
			"bcc9438e4599021d8f4b65cbedf57c5321fb1532905eae481233e3b75a5b0585" +
			"8d2d654d095371670a12a712554babeef27451fd249176d5f451044d089d73aa" +
			"0722f043f6ed4b8927ea2edfc96615100671e35c41f828c7ddda8c34b0d65367" +
			"f5681aea26e3a3bf610d90672150341738c8f7bafd6c2bb1d4ff345b05c58b07" +
			"643ca4aceb818000452839bce94542730001b401be01000090ff0183b1c467fb" +
			"020000000004595a"},
	{"xz blocks", "application/x-lzma", "xz --block-size=100 -T1: several blocks",
		"fd377a585a000004e6d6b4460200210116000000742fe5a3e00063005a5d003d" +
			"8889e773ddf1e363fd48fa4d609eaf05b4e00fcef70b67e7f7bd55086e6d883b" +
			"3d01e761d0f6b049b6a319373dffbb789a632463e7f5b2baf9b72cb37cb059d7" +
			"d0eb8f86451787839c46823b8afcf721a135d824c7e67c1b000000001cd32d98" +
			"1a8b54e50200210116000000742fe5a3e0006300495d002e088a075332f9961b" +
			"bf07559569eabc79ad970249264915e519487f4d36ed2631c64fd3080b6f5cf3" +
			"f82c16d0ce4664b6d663e4119911fceb2e4e2456fb467542f19974c5d7783413" +
			"0000000041ff4f538a29ea360200210116000000742fe5a3e0006300545d0011" +
			"1b878221de947a0346d782ce1f7b33a9a2a0d7dc026fdb33d952b9bda840deb4" +
			"0c975c6a39592e62eb19ace898436127f53dfaf5d5785aa6e714420740f70391" +
			"e5d4baf110ce00498b04aa7d561204e01a3a000055fd5c02fb69c50c02002101" +
			"16000000742fe5a3e0004e004c5d003a9b896208294ce4f212f5a2426dd9b602" +
			"b9ed841b8607d19882860cc16bbab1eec7342f1c2b5b5146efc944386c86bbd8" +
			"fda5ffb2d058432a0724559e3ada45e89bda6f983094c73d8e7e0000c13061de" +
			"f18e11a70004766465647064684f0000ee9fe23414173b30030000000004595a"},
}

func pyCompressedBody(t *testing.T, name string) []byte {
	t.Helper()
	for _, g := range pyCompressed {
		if g.name == name {
			b, err := hex.DecodeString(g.hex)
			require.NoError(t, err)
			return b
		}
	}
	t.Fatalf("no golden %q", name)
	return nil
}

// Every compressed form Python writes decodes to the same notification,
// and re-encoding that notification gives Python's bytes back exactly.
func TestDecodeNotification_pythonCompressed(t *testing.T) {
	for _, g := range pyCompressed {
		t.Run(g.name, func(t *testing.T) {
			body := pyCompressedBody(t, g.name)
			m, err := oslo.DecodeNotification(transport.Message{Body: body, Header: transport.Header{oslo.HeaderCompression: g.header}})
			require.NoError(t, err, g.how)
			assert.Equal(t, 2, m.Version)
			assert.Equal(t, "0f5bd3d4-5a1c-4c6e-9d7e-3d1f8e2a6b10", m.MessageID)
			assert.Equal(t, "py.host", m.PublisherID)
			assert.Equal(t, "py.event", m.EventType)
			assert.Equal(t, "INFO", m.Priority)
			assert.Equal(t, "2026-01-02 03:04:05", m.Timestamp)
			assert.Equal(t, "2b0c2f8a9e6b4e4f8a6c5d3e2f1a0b9c", m.UniqueID)
			assert.Equal(t, map[string]any{"user": "u1"}, m.Context)
			assert.JSONEq(t, `{"n": 1, "s": "héllo ☃ 😀"}`, string(m.Payload))

			again, err := oslo.EncodeNotification(m, oslo.EncodeOptions{})
			require.NoError(t, err)
			assert.Equal(t, pyBody, string(again.Body), "hark must write what oslo writes")
		})
	}
}

// independentDecompress undoes a compression with decoders other than
// hark's own (the standard library and ulikunitz/xz).
func independentDecompress(t *testing.T, header string, body []byte) []byte {
	t.Helper()
	var r io.Reader
	var err error
	switch header {
	case oslo.CompressionGzip:
		r, err = zlib.NewReader(bytes.NewReader(body))
	case oslo.CompressionBzip2:
		r = bzip2.NewReader(bytes.NewReader(body))
	case oslo.CompressionXz:
		r, err = xz.NewReader(bytes.NewReader(body))
	default:
		t.Fatalf("unexpected header %q", header)
	}
	require.NoError(t, err)
	out, err := io.ReadAll(r)
	require.NoError(t, err)
	return out
}

func TestEncodeNotification_compression(t *testing.T) {
	m := sampleMessage()
	plain, err := oslo.EncodeNotification(m, oslo.EncodeOptions{})
	require.NoError(t, err)
	require.Nil(t, plain.Header, "no compression, no header")

	cases := []struct {
		name, header string
		magic        []byte
	}{
		{"gzip", oslo.CompressionGzip, []byte{0x78}}, // zlib, not a gzip file
		{"zlib", oslo.CompressionGzip, []byte{0x78}},
		{"GZIP", oslo.CompressionGzip, []byte{0x78}},
		{oslo.CompressionGzip, oslo.CompressionGzip, []byte{0x78}},
		{"bz2", oslo.CompressionBzip2, []byte("BZh9")},
		{"bzip2", oslo.CompressionBzip2, []byte("BZh9")},
		{"xz", oslo.CompressionXz, []byte{0xfd, '7', 'z', 'X', 'Z', 0}},
		{"lzma", oslo.CompressionXz, []byte{0xfd, '7', 'z', 'X', 'Z', 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Compression: tc.name})
			require.NoError(t, err)
			assert.Equal(t, transport.Header{oslo.HeaderCompression: tc.header}, msg.Header)
			assert.True(t, bytes.HasPrefix(msg.Body, tc.magic), "magic %x in %x", tc.magic, msg.Body[:8])
			assert.Equal(t, plain.Body, independentDecompress(t, tc.header, msg.Body))
		})
	}
}

// Python (kombu's decompressors) reads what hark compresses.
func TestEncodeNotification_compressionReadByPython(t *testing.T) {
	py := python(t, "the cross-check against Python's zlib, bz2 and lzma")
	m := sampleMessage()
	plain, err := oslo.EncodeNotification(m, oslo.EncodeOptions{})
	require.NoError(t, err)
	for name, module := range map[string]string{"zlib": "zlib", "bz2": "bz2", "xz": "lzma"} {
		t.Run(name, func(t *testing.T) {
			msg, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Compression: name})
			require.NoError(t, err)
			cmd := exec.Command(py, "-c", "import sys, "+module+"; sys.stdout.buffer.write("+module+".decompress(sys.stdin.buffer.read()))")
			cmd.Stdin = bytes.NewReader(msg.Body)
			out, err := cmd.Output()
			require.NoError(t, err)
			assert.Equal(t, plain.Body, out)
		})
	}
}

func TestDecodeNotification_compressionHeader(t *testing.T) {
	body := pyCompressedBody(t, "zlib")
	// Header names are matched ignoring case (NATS canonicalises them).
	m, err := oslo.DecodeNotification(transport.Message{Body: body, Header: transport.Header{"Compression": oslo.CompressionGzip}})
	require.NoError(t, err)
	assert.Equal(t, "py.event", m.EventType)

	// An empty value means no compression, as in kombu.
	m, err = oslo.DecodeNotification(transport.Message{Body: []byte(pyBody), Header: transport.Header{oslo.HeaderCompression: ""}})
	require.NoError(t, err)
	assert.Equal(t, "py.event", m.EventType)
}

func TestDecodeNotification_compressionErrors(t *testing.T) {
	zlibBody := pyCompressedBody(t, "zlib")
	xzBody := pyCompressedBody(t, "xz crc64")
	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 0x55
		return c
	}
	cases := []struct {
		name, header string
		body         []byte
		errSub       string
	}{
		{"unknown header", "application/x-brotli", []byte(pyBody), `unknown compression header "application/x-brotli"`},
		{"plain body marked gzip", oslo.CompressionGzip, []byte(pyBody), "body is not zlib data"},
		{"truncated zlib", oslo.CompressionGzip, zlibBody[:len(zlibBody)/2], "body is not valid zlib data: unexpected EOF"},
		{"corrupt zlib", oslo.CompressionGzip, flip(zlibBody, len(zlibBody)-2), "body is not valid zlib data"},
		{"plain body marked bz2", oslo.CompressionBzip2, []byte(pyBody), "body is not valid bzip2 data"},
		{"plain body marked xz", oslo.CompressionXz, []byte(pyBody), "body is neither xz nor lzma data"},
		{"truncated xz", oslo.CompressionXz, xzBody[:len(xzBody)-7], "body is not valid xz data"},
		{"corrupt xz data", oslo.CompressionXz, flip(xzBody, 40), "body is not valid xz data"},
		{"corrupt xz check", oslo.CompressionXz, flip(xzBody, len(xzBody)-40), "body is not valid xz data"},
		{"xz trailing junk", oslo.CompressionXz, append(bytes.Clone(xzBody), 1, 2, 3, 4), "no xz stream header at offset"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := oslo.DecodeNotification(transport.Message{Body: tc.body, Header: transport.Header{oslo.HeaderCompression: tc.header}})
			require.ErrorIs(t, err, transport.ErrDecode)
			assert.Contains(t, err.Error(), tc.errSub)
		})
	}
}

func TestDecodeNotification_gzipBomb(t *testing.T) {
	// 66 gzip members of 1 MiB of zeros each: ~70 KiB that would inflate
	// to 66 MiB.
	var member bytes.Buffer
	zw, err := gzip.NewWriterLevel(&member, gzip.DefaultCompression)
	require.NoError(t, err)
	_, err = zw.Write(make([]byte, 1<<20))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	bomb := bytes.Repeat(member.Bytes(), 66)

	_, err = oslo.DecodeNotification(transport.Message{Body: bomb, Header: transport.Header{oslo.HeaderCompression: oslo.CompressionGzip}})
	require.ErrorIs(t, err, transport.ErrDecode)
	assert.Contains(t, err.Error(), "larger than 64 MiB")
}

// xzStream wraps one block (header fields and LZMA2 data, without its
// check) in a valid xz stream with check type none.
func xzStream(t *testing.T, dictByte byte, lzma2 []byte) []byte {
	t.Helper()
	le32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	flags := []byte{0, 0}
	out := append([]byte{0xfd, '7', 'z', 'X', 'Z', 0}, flags...)
	out = append(out, le32(crc32.ChecksumIEEE(flags))...)

	blockStart := len(out)
	hdr := []byte{0x02, 0x00, 0x21, 0x01, dictByte, 0, 0, 0}
	out = append(out, hdr...)
	out = append(out, le32(crc32.ChecksumIEEE(hdr))...)
	out = append(out, lzma2...)
	for (len(out)-blockStart)%4 != 0 {
		out = append(out, 0)
	}
	unpadded := 12 + len(lzma2)

	// The index: one record (unpadded size, uncompressed size).
	uncompressed := 0
	for i := 0; i < len(lzma2) && lzma2[i] != 0; {
		n := int(binary.BigEndian.Uint16(lzma2[i+1:])) + 1
		uncompressed += n
		i += 3 + n
	}
	index := []byte{0x00, 0x01}
	index = binary.AppendUvarint(index, uint64(unpadded))
	index = binary.AppendUvarint(index, uint64(uncompressed))
	for len(index)%4 != 0 {
		index = append(index, 0)
	}
	index = append(index, le32(crc32.ChecksumIEEE(index))...)
	out = append(out, index...)

	footer := append(le32(uint32(len(index)/4-1)), flags...)
	out = append(out, le32(crc32.ChecksumIEEE(footer))...)
	out = append(out, footer...)
	return append(out, 'Y', 'Z')
}

// A block header may ask for a 4 GiB dictionary. liblzma (and ulikunitz's
// xz.Reader) would allocate it; hark sizes the dictionary to the block.
func TestDecodeNotification_xzHugeDictionary(t *testing.T) {
	// One uncompressed LZMA2 chunk (type 1) holding pyBody, then the end.
	chunk := []byte{0x01}
	chunk = binary.BigEndian.AppendUint16(chunk, uint16(len(pyBody)-1))
	chunk = append(chunk, pyBody...)
	chunk = append(chunk, 0x00)
	body := xzStream(t, 40, chunk)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m, err := oslo.DecodeNotification(transport.Message{Body: body, Header: transport.Header{oslo.HeaderCompression: oslo.CompressionXz}})
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	assert.Equal(t, "py.event", m.EventType)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20), "decoding must not allocate the declared 4 GiB dictionary")
}

// LZMA2 chunk headers claiming more than the limit are refused before any
// decoding.
func TestDecodeNotification_xzBomb(t *testing.T) {
	var chunks []byte
	for i := 0; i < 33; i++ { // 33 chunks of 2 MiB = 66 MiB
		ctrl := byte(0x9f) // LZMA chunk, unpacked size bits 16-20 all set
		if i == 0 {
			ctrl = 0xff // with dictionary reset and properties
		}
		chunks = append(chunks, ctrl, 0xff, 0xff, 0x00, 0x00)
		if i == 0 {
			chunks = append(chunks, 0x5d)
		}
		chunks = append(chunks, 0x00)
	}
	chunks = append(chunks, 0x00)
	body := xzStream(t, 0x16, chunks)
	_, err := oslo.DecodeNotification(transport.Message{Body: body, Header: transport.Header{oslo.HeaderCompression: oslo.CompressionXz}})
	require.ErrorIs(t, err, transport.ErrDecode)
	assert.Contains(t, err.Error(), "larger than 64 MiB")
}

func TestDecodeNotification_xzHandMade(t *testing.T) {
	// The helper itself must produce a stream ulikunitz/xz accepts, or
	// the two tests above prove nothing.
	chunk := append([]byte{0x01, 0x00, 0x01}, "hi"...)
	chunk = append(chunk, 0x00)
	r, err := xz.NewReader(bytes.NewReader(xzStream(t, 0x16, chunk)))
	require.NoError(t, err)
	out, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, "hi", string(out))
}
