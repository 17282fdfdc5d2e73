// A fixed-size ring buffer.
#include <array>
#include <cstddef>
#include <optional>

namespace util {

template <typename T, std::size_t N>
class RingBuffer {
public:
    bool push(const T& value) {
        if (size_ == N) {
            return false;
        }
        items_[(head_ + size_) % N] = value;
        ++size_;
        return true;
    }

    std::optional<T> pop() {
        if (size_ == 0) {
            return std::nullopt;
        }
        T value = items_[head_];
        head_ = (head_ + 1) % N;
        --size_;
        return value;
    }

    std::size_t size() const { return size_; }

private:
    std::array<T, N> items_{};
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

int sum_all(RingBuffer<int, 8>& buffer) {
    int total = 0;
    while (auto value = buffer.pop()) {
        total += *value;
    }
    return total;
}

}  // namespace util
