// Package prose is where segscope's English lives: the sentences that
// explain a read or a send from its facts (Why, SendWhy), the summary of
// an explanation (Summary), what each cause, need and problem means, and
// the words for the analysis' warnings. It takes the facts the analysis
// packages computed and writes them out; it computes nothing itself, and
// nothing below report imports it. Command help texts stay with their
// commands.
package prose
