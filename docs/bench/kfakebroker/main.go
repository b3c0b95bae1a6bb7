// kfakebroker runs an in-process fake Kafka-protocol cluster (franz-go's
// kfake) on a loopback port until it is stopped, for the Kafka rows of
// BENCHMARKS.md and the docs/bench scripts. It is not Kafka: kfake keeps
// everything in memory, in one process, and implements the protocol
// (produce, fetch, consumer groups, offsets, admin requests), not Kafka's
// storage or replication. Figures measured against it compare clients of
// the same broker in the same run; they say nothing about a real cluster.
//
//	go build -o /tmp/kfakebroker ./docs/bench/kfakebroker
//	/tmp/kfakebroker -port 9092 [-partitions 10] [-addr-file FILE]
//	hark bench drain --url kafka://127.0.0.1:9092 --count 100000 --mix
//
// It listens on 127.0.0.1 only, allows topics to be created on first use
// (as oslo's producer expects of a broker), and writes its address to
// -addr-file (when given) once it listens. SIGINT or SIGTERM stop it.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 9092, "TCP port on 127.0.0.1 to listen on (0: any free port)")
	partitions := flag.Int("partitions", 10, "partitions of a topic created without a count (auto-created, or CreateTopics with -1)")
	addrFile := flag.String("addr-file", "", "write the listen address (host:port) to this file once listening")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("kfakebroker: ")
	if flag.NArg() > 0 {
		log.Fatalf("unexpected arguments: %s", strings.Join(flag.Args(), " "))
	}
	if *port < 0 || *port > 65535 {
		log.Fatalf("-port %d: not a TCP port", *port)
	}
	if *partitions < 1 {
		log.Fatalf("-partitions %d: must be at least 1", *partitions)
	}

	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.Ports(*port),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(*partitions),
	)
	if err != nil {
		log.Fatalf("start: %v", err)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(addr+"\n"), 0o644); err != nil {
			c.Close()
			log.Fatalf("-addr-file: %v", err)
		}
	}
	fmt.Fprintf(os.Stderr, "kfakebroker: listening on %s (kafka://%s), %d partitions per new topic\n", addr, addr, *partitions)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	s := <-sig
	fmt.Fprintf(os.Stderr, "kfakebroker: %s: stopping\n", s)
}
