//go:build ignore

// bombs sends zlib compression bombs as kombu-compressed notifications:
// docs/bench/harkd-bombs.sh uses it to measure harkd's memory under them.
//
//	go build -o bombs docs/bench/bombs.go
//	bombs -url nats://127.0.0.1:4222 -exchange x -topic notifications -count 40 -size 512
//
// Each bomb is -size MiB of zeros compressed with zlib (about 1/1000 of
// that on the wire) under the "compression: application/x-gzip" header,
// sent at priority info; all are sent at once, so that a listener takes
// them concurrently.
package main

import (
	"bytes"
	"compress/zlib"
	"context"
	"flag"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	_ "github.com/harkmq/hark/transport/nats"
	"github.com/harkmq/hark/transport/oslo"
	_ "github.com/harkmq/hark/transport/rabbit"
)

func main() {
	url := flag.String("url", "", "transport URL")
	exchange := flag.String("exchange", "openstack", "exchange")
	topic := flag.String("topic", "notifications", "topic")
	count := flag.Int("count", 40, "bombs to send")
	size := flag.Int("size", 512, "MiB each bomb inflates to")
	flag.Parse()

	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zeros := make([]byte, 1<<20)
	for range *size {
		if _, err := w.Write(zeros); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	body := buf.Bytes()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tr, err := transport.Open(ctx, *url)
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	tg := target.Target{Exchange: *exchange, Topic: *topic}
	var wg sync.WaitGroup
	errs := make([]error, *count)
	for i := range *count {
		wg.Go(func() {
			m := transport.Message{ID: fmt.Sprintf("bomb-%d", i), Body: body, Header: transport.Header{oslo.HeaderCompression: oslo.CompressionGzip}}
			errs[i] = tr.Send(ctx, tg, transport.Info, m)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("sent %d bombs of %d bytes (%d MiB inflated each, %.1f MB on the wire)\n", *count, len(body), *size, float64(*count*len(body))/1e6)
}
