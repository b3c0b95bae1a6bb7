package rabbit

import "github.com/harkmq/hark/transport/oslo"

// This file implements kombu_compression on the send path: a URL copied
// from an oslo config can ask the transport itself to compress, as kombu's
// Producer does. The compressor is the codec's (oslo.CompressBody);
// decompression stays in the codec.

// compressionType maps a kombu compression name to the header value, ""
// for none.
func compressionType(name string) (string, error) {
	ct, err := oslo.CompressionContentType(name)
	if err == nil {
		return ct, nil
	}
	return "", opt.Invalid("kombu_compression %q (valid: gzip, zlib, bz2, bzip2, xz, lzma, or empty for none)", name)
}
