package transport_test

import (
	"context"
	"fmt"

	"github.com/harkmq/hark/transport"
	_ "github.com/harkmq/hark/transport/memory" // registers memory:// and fake://
)

// Open picks the driver by the URL's scheme; importing a driver package
// registers its schemes. Capabilities tell what the transport can do.
func ExampleOpen() {
	ctx := context.Background()
	tr, err := transport.Open(ctx, "memory:///example-open")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close()
	fmt.Println("default exchange:", tr.DefaultExchange())
	fmt.Println("capabilities:", tr.Capabilities())

	_, err = transport.Open(ctx, "kafka://broker:9092")
	fmt.Println(err != nil)
	// Output:
	// default exchange: openstack
	// capabilities: requeue,delayed-requeue,pools,ordering,lease,dead-letter,backlog
	// true
}
