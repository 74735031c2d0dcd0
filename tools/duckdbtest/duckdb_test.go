// Package duckdbtest loads the Parquet files of `segscope analyze --format
// parquet` into DuckDB and checks them against `--format json`. It is a
// module of its own because the DuckDB driver needs cgo: the segscope
// binary stays static.
//
//	cd tools/duckdbtest && go test ./...
package duckdbtest

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	_ "github.com/marcboeker/go-duckdb/v2"

	"github.com/segscope/segscope/internal/synth"
)

var segscope string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "duckdbtest")
	if err != nil {
		panic(err)
	}
	segscope = filepath.Join(dir, "segscope")
	build := exec.Command("go", "build", "-o", segscope, "./cmd/segscope")
	build.Dir = "../.."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, args ...string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(segscope, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("segscope %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes()
}

type analysis struct {
	Capture struct {
		Total int `json:"connections_total"`
	} `json:"capture"`
	Connections []struct {
		ID         int `json:"id"`
		Directions map[string]struct {
			DataSegments  int64 `json:"data_segments"`
			PayloadBytes  int64 `json:"payload_bytes"`
			Retransmitted int64 `json:"retransmitted_segments"`
			Super         int64 `json:"super_segments"`
			Packets       int64 `json:"packets"`
			MSS           *int  `json:"mss"`
		} `json:"directions"`
		App *struct {
			HTTP []json.RawMessage `json:"http"`
			TLS  *struct {
				C2S struct {
					List []json.RawMessage `json:"list"`
				} `json:"client_to_server"`
				S2C struct {
					List []json.RawMessage `json:"list"`
				} `json:"server_to_client"`
			} `json:"tls"`
		} `json:"app"`
	} `json:"connections"`
}

type segments struct {
	Segments []struct {
		Len  int64  `json:"len"`
		Conn int    `json:"conn"`
		Dir  string `json:"direction"`
	} `json:"segments"`
}

// captures: a synthetic one with port reuse, retransmissions and
// super-segments, and real ones from pcaps/ (HTTP/1, chunked, TLS with
// its key log, HTTP/2).
func captures(t *testing.T) map[string][]string {
	t.Helper()
	b, _, err := synth.Bytes(synth.Config{Connections: 500, ReusedTuples: 80, ResponseBytes: 20000, Timestamps: true, SuperSegmentEvery: 9, RetransmitEvery: 13, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "synth.pcap")
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	p := "../../pcaps/"
	return map[string][]string{
		"synth":      {f},
		"lo-chunked": {p + "lo-chunked.pcap"},
		"https":      {p + "https-tls13.pcap.gz", "--keylog", p + "https-tls13.keys"},
		"h2c":        {p + "h2c.pcap"},
		"rotated":    {p + "lo-http.pcap", p + "lo-keepalive.pcap", p + "mtu1440-ts.pcap.gz"},
	}
}

// TestParquetInDuckDB: counts and sums over the Parquet files, computed by
// DuckDB, equal those of the JSON output; the columns have their
// documented types.
func TestParquetInDuckDB(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, args := range captures(t) {
		t.Run(name, func(t *testing.T) {
			var a analysis
			if err := json.Unmarshal(run(t, append([]string{"analyze", "-q", "--format", "json"}, args...)...), &a); err != nil {
				t.Fatal(err)
			}
			var s segments
			if err := json.Unmarshal(run(t, append([]string{"segments", "-q", "--format", "json"}, args...)...), &s); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			run(t, append([]string{"analyze", "-q", "--format", "parquet", "-w", dir}, args...)...)

			var want struct{ rows, conns, data, payload, retx, super, packets, mss, http, tls, segs, segBytes int64 }
			want.conns = int64(a.Capture.Total)
			for _, c := range a.Connections {
				for _, d := range c.Directions {
					want.rows++
					want.data += d.DataSegments
					want.payload += d.PayloadBytes
					want.retx += d.Retransmitted
					want.super += d.Super
					want.packets += d.Packets
					if d.MSS != nil {
						want.mss += int64(*d.MSS)
					}
				}
				if c.App != nil {
					want.http += int64(len(c.App.HTTP))
					if c.App.TLS != nil {
						want.tls += int64(len(c.App.TLS.C2S.List) + len(c.App.TLS.S2C.List))
					}
				}
			}
			for _, sg := range s.Segments {
				want.segs++
				want.segBytes += sg.Len
			}

			var got struct{ rows, conns, data, payload, retx, super, packets, mss, http, tls, segs, segBytes int64 }
			q := func(query string, dst ...any) {
				t.Helper()
				if err := db.QueryRow(query).Scan(dst...); err != nil {
					t.Fatalf("%s: %v", query, err)
				}
			}
			pq := func(f string) string { return "'" + filepath.Join(dir, f) + "'" }
			q(`SELECT count(*), count(DISTINCT id), sum(data_segments), sum(payload_bytes), sum(retransmitted_segments),
				sum(super_segments), sum(packets), coalesce(sum(mss), 0) FROM `+pq("connections.parquet"),
				&got.rows, &got.conns, &got.data, &got.payload, &got.retx, &got.super, &got.packets, &got.mss)
			q(`SELECT count(*), coalesce(sum(len), 0) FROM `+pq("segments.parquet"), &got.segs, &got.segBytes)
			q(`SELECT count(*) FROM `+pq("http.parquet"), &got.http)
			q(`SELECT count(*) FROM `+pq("tls_records.parquet"), &got.tls)
			if got != want {
				t.Errorf("DuckDB over Parquet %+v\nJSON                %+v", got, want)
			}
			if want.rows == 0 || want.segs == 0 {
				t.Errorf("nothing to compare: %+v", want)
			}

			// Every data segment size, counted from the sizes lists, is the
			// number of data segments.
			var fromSizes, data int64
			q(`SELECT coalesce(sum(s.count), 0) FROM (SELECT unnest(sizes) AS s FROM `+pq("connections.parquet")+`)`, &fromSizes)
			q(`SELECT coalesce(sum(data_segments), 0) FROM `+pq("connections.parquet"), &data)
			if fromSizes != data {
				t.Errorf("sizes lists count %d segments, data_segments %d", fromSizes, data)
			}

			// The documented types.
			types := map[string]string{}
			rows, err := db.Query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ` + pq("connections.parquet") + `)`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var n, ty string
				rows.Scan(&n, &ty)
				types[n] = ty
			}
			rows.Close()
			for col, ty := range map[string]string{"id": "BIGINT", "start": "TIMESTAMP WITH TIME ZONE", "mss": "INTEGER", "payload_bytes": "BIGINT",
				"mean_segment": "DOUBLE", "direction": "VARCHAR", "syn_seen": "BOOLEAN", "handshake_rtt_ms": "DOUBLE",
				"sizes": "STRUCT(size INTEGER, count BIGINT)[]"} {
				if types[col] != ty {
					t.Errorf("connections.parquet %s: %s, want %s", col, types[col], ty)
				}
			}
		})
	}
}

// TestRotatedCapturesQuery runs README's DuckDB query, the segment-size
// distribution per server over a directory of Parquet files from rotated
// captures, and checks it against the JSON of each capture.
func TestRotatedCapturesQuery(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	root := t.TempDir()
	var want int64
	for _, f := range []string{"lo-http.pcap", "lo-keepalive.pcap", "mtu1440-ts.pcap.gz", "mtu1440-tso.pcap.gz"} {
		path := "../../pcaps/" + f
		run(t, "analyze", "-q", "--format", "parquet", "-w", filepath.Join(root, f), path)
		var a analysis
		if err := json.Unmarshal(run(t, "analyze", "-q", "--format", "json", path), &a); err != nil {
			t.Fatal(err)
		}
		for _, c := range a.Connections {
			want += c.Directions["server_to_client"].DataSegments
		}
	}
	rows, err := db.Query(`
		SELECT server_ip, server_port, s.size, sum(s.count) AS segments
		FROM (SELECT server_ip, server_port, unnest(sizes) AS s
		      FROM read_parquet('` + root + `/*/connections.parquet')
		      WHERE direction = 'server_to_client')
		GROUP BY ALL ORDER BY server_ip, server_port, segments DESC`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got, n int64
	for rows.Next() {
		var ip string
		var port int32
		var size int32
		var count int64
		if err := rows.Scan(&ip, &port, &size, &count); err != nil {
			t.Fatal(err)
		}
		got += int64(count)
		n++
	}
	if got != want || n == 0 {
		t.Errorf("the query counts %d server segments in %d rows, the JSON %d", got, n, want)
	}
	var bad int64
	if err := db.QueryRow(`SELECT count(*) FROM read_parquet('` + root + `/*/segments.parquet') WHERE epoch_us("time") <> time_ns // 1000`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d segments whose time is not time_ns in microseconds", bad)
	}
}
