// Package oslo is oslo.messaging's notification wire format, what a
// notification looks like inside a transport.Message:
//
//   - the codec: EncodeNotification and DecodeNotification write and read
//     an OsloMessage as oslo.messaging's "messaging" (v1, bare body) and
//     "messagingv2" (v2, the oslo.version 2.0 envelope) drivers do, in
//     either dialect (transport.Dialect): oslo's rabbit layout, the
//     "_context_*" keys flattened (and rewritten on decode as oslo's
//     rabbit listener rewrites them) with a "_unique_id", or oslo's kafka
//     layout, one nested "_context" object last and no "_unique_id".
//     Encoding writes the dialect asked for; decoding reads both, on any
//     transport;
//   - kombu's body compression (the "compression" header: zlib/gzip,
//     bzip2, xz/lzma), bounded by MaxDecompressedSize per body and by a
//     DecompressionBudget per process;
//   - JSON as Python writes and reads it: EncodeJSON writes json.dumps's
//     bytes, and ValidJSON, Unmarshal, DecodeObject and DecodeValue read
//     what json.loads reads (NaN and Infinity included).
//
// Brokers do not need it: a driver moves transport.Message bodies and
// headers as they are. It is used by what turns notifications into
// messages and back (notify, dispatcher, the hark commands), and by the
// rabbit driver for kombu's compression names.
//
// Errors from decoding wrap transport.ErrDecode and errors from encoding
// wrap transport.ErrEncode, so that a caller branches on them without
// importing this package.
package oslo
