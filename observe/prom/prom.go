// Package prom records the streams of package sluice as Prometheus
// metrics: a [sluice.Observer] that counts the values sent and the ends of
// streams by reason, and measures how long sends wait for their consumers
// and how full the channels' buffers are, per stream name.
//
//	reg := prometheus.NewRegistry()
//	m, err := prom.New(reg, nil)
//	if err != nil {
//		return err
//	}
//	ch, stop := sluice.Stream(ctx, seq, &sluice.StreamOptions{Name: "orders", Observer: m})
//	…
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// It compiles github.com/prometheus/client_golang and what it requires
// (client_model, common, procfs, protobuf…); it is the only package of the
// library that does, so a program that does not use it compiles none of
// them.
//
// # Metrics
//
// With the default namespace "sluice", each labeled by stream (the
// stream's StreamOptions.Name, "" for an unnamed stream):
//
//	sluice_items_total{stream}               counter: values sent
//	sluice_send_wait_seconds{stream}         histogram: how long each send waited for the consumer
//	sluice_buffer_saturation{stream}         gauge: len/cap of the buffer after the last send (0 when unbuffered)
//	sluice_stream_ends_total{stream,reason}  counter: streams ended, by sluice.Reason.String()
//
// A send that did not have to wait counts as 0 seconds, so the histogram's
// lowest bucket holds, besides the sends that waited less than its bound,
// those that found room in the buffer or a consumer waiting. A saturation
// near 1 means the producer runs ahead of its consumer; near 0 with long
// waits, that the consumer is slow.
//
// Stream names become label values: name streams after what they do
// ("orders", "walk"), not after the data they carry (a path, a key), or
// the number of time series grows without bound.
package prom
