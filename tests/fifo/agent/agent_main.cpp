#include "agent.h"

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  using namespace zc::test::agent;
  CLI::App app{"fifo_ring_agent: writer/reader processes for the zcrec ring tests"};
  app.require_subcommand(1);
  WriterArgs w;
  auto* wc = app.add_subcommand("writer", "write frames with payloads derived from their sequence numbers");
  wc->add_option("stream", w.stream)->required();
  wc->add_option("--ring-bytes", w.ring_bytes);
  wc->add_option("--slots", w.reader_slots);
  wc->add_option("--min-size", w.min_size);
  wc->add_option("--max-size", w.max_size);
  wc->add_option("--key-every", w.key_every)->check(CLI::PositiveNumber);
  wc->add_option("--until-seq", w.until_seq);
  wc->add_option("--interval-us", w.interval_us);
  wc->add_flag("--pieces", w.pieces);
  wc->add_option("--die-mid-frame-after", w.die_mid_frame_after);
  ReaderArgs r;
  auto* rc = app.add_subcommand("reader", "read frames and check each against its sequence number");
  rc->add_option("stream", r.stream)->required();
  rc->add_option("--mode", r.mode)->check(CLI::IsMember({"copy", "view", "epoll"}));
  rc->add_option("--start", r.start)->check(CLI::IsMember({"newest", "oldest", "next_key", "next_frame"}));
  rc->add_option("--min-size", r.min_size);
  rc->add_option("--max-size", r.max_size);
  rc->add_option("--slow-us", r.slow_us);
  rc->add_option("--view-hold-us", r.view_hold_us);
  rc->add_option("--until-seq", r.until_seq);
  rc->add_option("--idle-exit-ms", r.idle_exit_ms);
  rc->add_option("--wait-ms", r.wait_ms);
  rc->add_flag("--allow-restart", r.allow_restart);
  CLI11_PARSE(app, argc, argv);
  if (wc->parsed()) return run_writer(w);
  return run_reader(r);
}
