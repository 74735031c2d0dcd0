package report

import (
	"fmt"

	"github.com/segscope/segscope/lab/labcompare"
	"github.com/segscope/segscope/report/prose"
)

// The fields of one condition of `segscope lab --compare` / `--preset`,
// declared once. JSON writes each condition as an object of them; the
// table and CSV are transposed (a column per condition), with a row per
// field that has a Table title; the other fields are folded into those
// rows' cells.

// condRow is what ConditionFields read.
type condRow struct {
	k *labcompare.Condition
}

// ConditionFields are the fields of a lab condition, in the order every
// format writes them.
var ConditionFields = Fields[condRow]{
	col("label", FieldString, "", "the condition's name: the table's column heading", func(r *condRow) fieldValue { return strV(r.k.Label) }).only(InJSON),
	col("path", FieldString, "", "how the path was built, in the flags' terms", func(r *condRow) fieldValue { return strV(prose.LabPath(r.k.Path)) }).
		only(InJSON).table("path", nil, true),
	col("server", FieldString, "", "what the built-in server sent", func(r *condRow) fieldValue { return strV(prose.LabServer(r.k.Server)) }).
		only(InJSON).table("server", nil, true),
	col("failed", FieldBool, "", "the run gave nothing to compare (its other cells say `failed`); left out when false",
		func(r *condRow) fieldValue { return boolV(r.k.Failed) }).only(InJSON).omitEmpty(),
	col("path_mss", FieldInt, "bytes", "the MSS the path's MTU allows: MTU - IP header - 20", func(r *condRow) fieldValue { return intV(int64(r.k.PathMSS)) }).
		only(InJSON).table("MSS the MTU allows", func(r *condRow) string {
		return prose.PathMSS(r.k.Path.MTU, r.k.IPHeader, r.k.PathMSS)
	}, true),
	col("mss", FieldInt, "bytes", "the MSS that bounds the server's segments: the option in the client's SYN, as captured; 0 when not seen", func(r *condRow) fieldValue { return intV(int64(r.k.MSS)) }).
		only(InJSON).table("MSS (SYN)", func(r *condRow) string { return prose.SYNMSS(r.k.MSS) }, true),
	col("option_bytes", FieldInt, "bytes", "the TCP option bytes on the server's data segments", func(r *condRow) fieldValue { return intV(int64(r.k.OptionBytes)) }).only(InJSON),
	col("effective_mss", FieldInt, "bytes", "the largest payload of the server's segments: MSS - option bytes; 0 when unknown",
		func(r *condRow) fieldValue { return intV(int64(r.k.EffectiveMSS)) }).only(InJSON).table("effective MSS", func(r *condRow) string {
		return prose.LabEffectiveMSS(r.k.EffectiveMSS, r.k.MSS, r.k.OptionBytes)
	}, true),
	col("segments", FieldInt, "segments", "the server's data segments as the client captured them", func(r *condRow) fieldValue { return intV(int64(r.k.Segments)) }).only(InJSON),
	object("top_segment", "", "the most common segment size: `{size, count}`", func(e *jenc, r *condRow) {
		e.sizeCount(r.k.TopSegment.Size, r.k.TopSegment.Count)
	}).table("most common segment", func(r *condRow) string {
		return prose.MostCommon(r.k.TopSegment.Size, r.k.TopSegment.Count, r.k.Segments)
	}, true),
	col("super_segments", FieldInt, "segments", "segments longer than the effective MSS on the client's side", func(r *condRow) fieldValue { return intV(int64(r.k.Super)) }).
		only(InJSON).table("super-segments", func(r *condRow) string {
		return prose.SuperSides(r.k.Super, r.k.ServerSuper)
	}, true),
	col("server_super_segments", FieldInt, "segments", "the same on the server's side; left out when that side was not captured",
		func(r *condRow) fieldValue { return optV(r.k.ServerSuper, r.k.ServerSuper >= 0) }).only(InJSON).omitNull(),
	col("reads", FieldInt, "events", "curl's `Recv data` events", func(r *condRow) fieldValue { return intV(int64(r.k.Reads)) }).only(InJSON),
	object("top_read", "", "the most common read size: `{size, count}`", func(e *jenc, r *condRow) {
		e.sizeCount(r.k.TopRead.Size, r.k.TopRead.Count)
	}).table("most common read", func(r *condRow) string {
		return prose.MostCommon(r.k.TopRead.Size, r.k.TopRead.Count, r.k.Reads)
	}, true),
	col("top_read_cause", FieldString, "", "the most common cause among the most common reads", func(r *condRow) fieldValue { return strV(fmt.Sprint(r.k.TopReadWhy)) }).
		only(InJSON).table("its cause", nil, true),
	object("causes", "", "the reads by cause: `[{cause, count, share}]`, share of the reads rounded to 0.001; null when none", func(e *jenc, r *condRow) {
		if len(r.k.Causes) == 0 {
			e.null()
			return
		}
		e.open('[')
		for _, cc := range r.k.Causes {
			e.sep()
			e.open('{')
			e.key("cause")
			e.str(fmt.Sprint(cc.Cause))
			e.key("count")
			e.int(int64(cc.Count))
			e.key("share")
			e.float(share(cc.Count, r.k.Reads))
			e.close('}')
		}
		e.close(']')
	}).table("reads by cause", func(r *condRow) string {
		causes, counts := make([]string, len(r.k.Causes)), make([]int, len(r.k.Causes))
		for i, cc := range r.k.Causes {
			causes[i], counts[i] = cc.Cause.String(), cc.Count
		}
		return prose.CauseShares(causes, counts, r.k.Reads)
	}, true),
}
