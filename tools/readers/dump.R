# Reads an SPSS or Stata file with haven, or runs an R script written by `mamori export --format r`,
# and prints what it found as JSON (the shape of dump.py's): names, variable labels, value labels,
# missing codes and every value. Extended missing values print as "NA.a", "NA.b".
#
# usage: Rscript dump.R sav|dta|script FILE
suppressMessages(library(haven))
args <- commandArgs(TRUE)
kind <- args[1]
path <- args[2]
d <- switch(kind,
  sav = read_sav(path, user_na = TRUE),
  dta = read_dta(path),
  script = { source(path, encoding = "UTF-8"); responses },
  stop("unknown kind")
)
esc <- function(s) {
  s <- enc2utf8(as.character(s))
  s <- gsub("\\", "\\\\", s, fixed = TRUE)
  s <- gsub("\"", "\\\"", s, fixed = TRUE)
  s <- gsub("\n", "\\n", s, fixed = TRUE)
  s <- gsub("\r", "\\r", s, fixed = TRUE)
  s <- gsub("\t", "\\t", s, fixed = TRUE)
  paste0("\"", s, "\"")
}
num <- function(x) format(x, digits = 15, scientific = FALSE, trim = TRUE)
value <- function(col, i) {
  x <- unclass(col)[i]
  if (is.character(col)) return(esc(x))
  # User-missing codes of labelled_spss are NA to is.na(); their values are kept as numbers.
  if (is.na(x)) {
    tag <- na_tag(x)
    return(if (is.na(tag)) "null" else esc(paste0("NA.", tag)))
  }
  num(x)
}
cols <- names(d)
out <- c("{\"names\":[", paste(esc(cols), collapse = ","), "],\"labels\":{")
out <- c(out, paste(vapply(cols, function(n) {
  l <- attr(d[[n]], "label", exact = TRUE)
  paste0(esc(n), ":", esc(if (is.null(l)) "" else l))
}, ""), collapse = ","), "},\"value_labels\":{")
vl <- Filter(function(n) !is.null(attr(d[[n]], "labels", exact = TRUE)), cols)
out <- c(out, paste(vapply(vl, function(n) {
  labels <- attr(d[[n]], "labels", exact = TRUE)
  keys <- vapply(seq_along(labels), function(k) {
    x <- labels[k]
    if (is.na(x)) paste0("NA.", na_tag(x)) else num(unclass(x))
  }, "")
  paste0(esc(n), ":{", paste(paste0(esc(keys), ":", esc(names(labels))), collapse = ","), "}")
}, ""), collapse = ","), "},\"missing\":{")
mv <- Filter(function(n) !is.null(attr(d[[n]], "na_values", exact = TRUE)), cols)
out <- c(out, paste(vapply(mv, function(n) {
  paste0(esc(n), ":[", paste(num(attr(d[[n]], "na_values", exact = TRUE)), collapse = ","), "]")
}, ""), collapse = ","), "},\"mr_sets\":{},\"file_label\":")
fl <- attr(d, "label", exact = TRUE)
out <- c(out, esc(if (is.null(fl)) "" else fl), ",\"rows\":[")
rows <- vapply(seq_len(nrow(d)), function(i) {
  paste0("[", paste(vapply(cols, function(n) value(d[[n]], i), ""), collapse = ","), "]")
}, "")
out <- c(out, paste(rows, collapse = ","), "]}")
cat(paste(out, collapse = ""))
