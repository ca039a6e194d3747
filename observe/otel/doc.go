// Package otel records the streams of package sluice through the
// OpenTelemetry metrics API: a [sluice.Observer] that counts the values
// sent and the ends of streams by reason, and measures how long sends wait
// for their consumers and how full the channels' buffers are, per stream
// name. It records what package observe/prom records, for programs that
// export OpenTelemetry (OTLP, or any exporter of the OpenTelemetry SDK)
// rather than serve a Prometheus registry.
//
//	m, err := otel.New(meterProvider, nil) // otel.GetMeterProvider(), or the SDK's
//	if err != nil {
//		return err
//	}
//	defer m.Close()
//	ch, stop := sluice.Stream(ctx, seq, &sluice.StreamOptions{Name: "orders", Observer: m})
//
// It compiles go.opentelemetry.io/otel/metric and go.opentelemetry.io/otel
// (the API, and its attribute package, which needs
// github.com/cespare/xxhash/v2) and nothing else outside the standard
// library; it is the only package of the library that compiles OpenTelemetry. The
// SDK is the program's choice: its tests use go.opentelemetry.io/otel/sdk/metric.
//
// # Instruments
//
// With the default prefix "sluice", from the meter
// "github.com/sluice-go/sluice/observe/otel", each measurement carrying
// the attribute sluice.stream (the stream's StreamOptions.Name, "" for an
// unnamed stream):
//
//	sluice.items              asynchronous counter, {item}: values sent
//	sluice.send.wait          histogram, s: how long each send waited for the consumer
//	sluice.buffer.saturation  asynchronous gauge, 1: len/cap of the buffer after the last send (0 when unbuffered)
//	sluice.stream.ends        counter, {stream}: streams ended, with sluice.reason (sluice.Reason.String())
//
// A send that did not wait is recorded as 0 seconds. The histogram has one
// measurement per send: a batch of StreamBatches is one send, and
// sluice.items counts its values, so the two differ for batched streams
// (prom's histogram counts values instead, since a Prometheus histogram can
// be given a count; OpenTelemetry's cannot).
//
// # Cost
//
// sluice.items and sluice.buffer.saturation are kept in atomics per
// stream and read by a callback at each collection, as observe/prom reads
// them at each scrape, so a send pays one atomic add for them. The
// histogram is a synchronous instrument of the SDK, recorded with an
// attribute set made once per stream name: BENCHMARKS.md measures it
// beside prom.
//
// Stream names become attribute values: name streams after what they do,
// not after the data they carry, or the number of series grows without
// bound.
package otel
