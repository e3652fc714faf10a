package metrics

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reads database/sql's pool statistics at each scrape.
type poolCollector func() map[string]sql.DBStats

func poolDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(namespace+"_db_"+name, help, []string{"pool"}, nil)
}

var (
	poolMaxOpen   = poolDesc("max_open_connections", "Most connections the pool opens.")
	poolOpen      = poolDesc("open_connections", "Connections open, in use or idle.")
	poolInUse     = poolDesc("in_use_connections", "Connections in use.")
	poolIdle      = poolDesc("idle_connections", "Idle connections.")
	poolWaits     = poolDesc("wait_total", "Times a request waited for a connection.")
	poolWaitTime  = poolDesc("wait_seconds_total", "Time spent waiting for a connection.")
	poolIdleClose = poolDesc("closed_idle_total", "Connections closed because the pool had too many idle ones or they were idle too long.")
)

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolMaxOpen, poolOpen, poolInUse, poolIdle, poolWaits, poolWaitTime, poolIdleClose} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	for pool, s := range c() {
		g := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, pool)
		}
		n := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, pool)
		}
		g(poolMaxOpen, float64(s.MaxOpenConnections))
		g(poolOpen, float64(s.OpenConnections))
		g(poolInUse, float64(s.InUse))
		g(poolIdle, float64(s.Idle))
		n(poolWaits, float64(s.WaitCount))
		n(poolWaitTime, s.WaitDuration.Seconds())
		n(poolIdleClose, float64(s.MaxIdleClosed+s.MaxIdleTimeClosed))
	}
}
