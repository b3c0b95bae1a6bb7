package rabbit

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"strings"

	dsbzip2 "github.com/dsnet/compress/bzip2"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"github.com/harkmq/hark/transport"
)

// This file implements kombu_compression on the send path. The transport
// package's codec compresses notifications it encodes; this is for a URL
// copied from an oslo config that asks the transport itself to compress,
// as kombu's Producer does. (The codec's compressor is unexported, so the
// few lines are repeated here; decompression stays in the codec.)

// compressionType maps a kombu compression name to the header value, ""
// for none.
func compressionType(name string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "":
		return "", nil
	case "gzip", "zlib", transport.CompressionGzip:
		return transport.CompressionGzip, nil
	case "bz2", "bzip2", transport.CompressionBzip2:
		return transport.CompressionBzip2, nil
	case "xz", "lzma", transport.CompressionXz:
		return transport.CompressionXz, nil
	}
	return "", invalid("kombu_compression %q (valid: gzip, zlib, bz2, bzip2, xz, lzma, or empty for none)", name)
}

// compress compresses body as kombu does for the header value ct: a zlib
// stream for application/x-gzip, bzip2 level 9, an xz container.
func compress(ct string, body []byte) ([]byte, error) {
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch ct {
	case transport.CompressionGzip:
		w = zlib.NewWriter(&buf)
	case transport.CompressionBzip2:
		w, err = dsbzip2.NewWriter(&buf, &dsbzip2.WriterConfig{Level: 9})
	case transport.CompressionXz:
		w, err = xz.WriterConfig{DictCap: min(max(len(body), lzma.MinDictCap), 8<<20)}.NewWriter(&buf)
	default:
		return nil, fmt.Errorf("unknown compression %q", ct)
	}
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(body); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
