package report

// The Parquet files of `analyze --format parquet -w DIR`.
const (
	ParquetConnections = "connections.parquet" // one row per connection direction
	ParquetSegments    = "segments.parquet"    // one row per segment
	ParquetHTTP        = "http.parquet"        // one row per HTTP/1 exchange (clear or decrypted)
	ParquetTLSRecords  = "tls_records.parquet" // one row per TLS record
)
