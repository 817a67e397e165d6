#include "mqtt_client.h"

#include <mosquitto.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace zc::service::mqtt {

namespace {

// libmosquitto's init and cleanup are process-wide: the first client initialises it, the last one cleans up.
class LibraryUse {
 public:
  LibraryUse() {
    std::lock_guard lock(mutex());
    if (users()++ == 0) mosquitto_lib_init();
  }
  ~LibraryUse() {
    std::lock_guard lock(mutex());
    if (--users() == 0) mosquitto_lib_cleanup();
  }
  LibraryUse(const LibraryUse&) = delete;
  LibraryUse& operator=(const LibraryUse&) = delete;

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static int& users() {
    static int n = 0;
    return n;
  }
};

}  // namespace

struct Client::Impl {
  LibraryUse library;  // before mosq: destroyed after it
  ClientCallbacks callbacks;
  mosquitto* mosq = nullptr;

  ~Impl() {
    if (mosq != nullptr) mosquitto_destroy(mosq);
  }
};

Client::Client(const std::string& client_id, ClientCallbacks callbacks) : impl_(std::make_unique<Impl>()) {
  impl_->callbacks = std::move(callbacks);
  // clean_session: zcrecd's subscription is made again at every connect; a broker-side session would only
  // replay events published to it while zcrecd was away, which are stale by then.
  impl_->mosq = mosquitto_new(client_id.c_str(), /*clean_session=*/true, impl_.get());
  if (impl_->mosq == nullptr) throw MqttError("libmosquitto cannot create a client (id " + client_id + ")");
  mosquitto_connect_callback_set(impl_->mosq, [](mosquitto*, void* self, int rc) {
    auto* impl = static_cast<Impl*>(self);
    if (impl->callbacks.on_connect) impl->callbacks.on_connect(rc);
  });
  mosquitto_disconnect_callback_set(impl_->mosq, [](mosquitto*, void* self, int) {
    auto* impl = static_cast<Impl*>(self);
    if (impl->callbacks.on_disconnect) impl->callbacks.on_disconnect();
  });
  mosquitto_publish_callback_set(impl_->mosq, [](mosquitto*, void* self, int mid) {
    auto* impl = static_cast<Impl*>(self);
    if (impl->callbacks.on_publish) impl->callbacks.on_publish(mid);
  });
  mosquitto_message_callback_set(impl_->mosq, [](mosquitto*, void* self, const mosquitto_message* m) {
    auto* impl = static_cast<Impl*>(self);
    if (!impl->callbacks.on_message || m == nullptr || m->topic == nullptr) return;
    const std::string_view payload(static_cast<const char*>(m->payload), m->payload == nullptr ? 0 : m->payloadlen);
    impl->callbacks.on_message(m->topic, payload, m->retain);
  });
}

Client::Client(Client&& o) noexcept = default;
Client& Client::operator=(Client&& o) noexcept = default;
Client::~Client() = default;

int Client::set_will(const Message& will) {
  return mosquitto_will_set(impl_->mosq, will.topic.c_str(), static_cast<int>(will.payload.size()),
                            will.payload.data(), will.qos, will.retain);
}

int Client::set_login(const std::string& user, const std::string& password) {
  return mosquitto_username_pw_set(impl_->mosq, user.c_str(), password.empty() ? nullptr : password.c_str());
}

int Client::connect_async(const std::string& host, int port, int keepalive_s) {
  return mosquitto_connect_async(impl_->mosq, host.c_str(), port, keepalive_s);
}

int Client::reconnect_async() { return mosquitto_reconnect_async(impl_->mosq); }

int Client::loop(int timeout_ms) { return mosquitto_loop(impl_->mosq, timeout_ms, 1); }

int Client::publish(const Message& m, int* mid) {
  return mosquitto_publish(impl_->mosq, mid, m.topic.c_str(), static_cast<int>(m.payload.size()), m.payload.data(),
                           m.qos, m.retain);
}

int Client::subscribe(const std::string& pattern, int qos) {
  return mosquitto_subscribe(impl_->mosq, nullptr, pattern.c_str(), qos);
}

int Client::disconnect() { return mosquitto_disconnect(impl_->mosq); }

std::string Client::error_text(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(errno);  // callers ask right after the call that failed
  return mosquitto_strerror(rc);
}

std::string Client::connack_text(int rc) { return mosquitto_connack_string(rc); }

}  // namespace zc::service::mqtt
