// An MQTT 3.1.1 client connection over libmosquitto: a move-only owner of one `struct mosquitto*`. Not
// thread-safe by design: one thread (MqttBridge's) calls every method, and the callbacks run on that thread,
// inside loop(). libmosquitto's process-wide init/cleanup is reference-counted inside mqtt_client.cpp, so
// nothing else in zcrecd sees it. Methods return libmosquitto's MOSQ_ERR_* codes (0 = success); error_text()
// says what one means.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace zc::service::mqtt {

class MqttError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Message {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
};

struct ClientCallbacks {
  std::function<void(int rc)> on_connect;     // the broker's CONNACK: 0 accepted, else the refusal code
  std::function<void()> on_disconnect;        // the connection is gone (lost or closed)
  std::function<void(int mid)> on_publish;    // QoS 1: the broker acknowledged message `mid`
  std::function<void(std::string_view topic, std::string_view payload, bool retained)> on_message;
};

class Client {
 public:
  // Throws MqttError when libmosquitto cannot make a client (out of memory, bad id).
  Client(const std::string& client_id, ClientCallbacks callbacks);
  Client(Client&& o) noexcept;
  Client& operator=(Client&& o) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  int set_will(const Message& will);
  int set_login(const std::string& user, const std::string& password);
  // Starts a non-blocking connect (the name lookup still blocks); loop() completes it.
  int connect_async(const std::string& host, int port, int keepalive_s);
  int reconnect_async();
  // Network I/O for up to timeout_ms; callbacks run in here. Non-zero: the connection is not usable.
  int loop(int timeout_ms);
  int publish(const Message& m, int* mid);
  int subscribe(const std::string& pattern, int qos);
  int disconnect();

  static std::string error_text(int rc);
  static std::string connack_text(int rc);

 private:
  struct Impl;  // on the heap: libmosquitto's callbacks hold its address, which a move must not change
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::service::mqtt
