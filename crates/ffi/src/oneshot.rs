//! A one-value channel whose receiving end is a runtime-agnostic `Future`: uniffi's foreign
//! executors (a React Native Promise, Python asyncio, Swift/Kotlin coroutines) poll it.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use crate::{TokenInfo, TokenManagerError};

type Value = Result<TokenInfo, TokenManagerError>;

#[derive(Default)]
struct Slot {
    value: Option<Value>,
    waker: Option<Waker>,
}

/// The sending end. Dropping it unsent settles the receiver with `Disposed` (the manager
/// went away), so no caller waits forever.
pub struct Sender(Option<Arc<Mutex<Slot>>>);

/// The receiving end.
pub struct Receiver(Arc<Mutex<Slot>>);

pub fn channel() -> (Sender, Receiver) {
    let slot = Arc::new(Mutex::new(Slot::default()));
    (Sender(Some(slot.clone())), Receiver(slot))
}

impl Sender {
    pub fn send(mut self, value: Value) {
        if let Some(slot) = self.0.take() {
            put(&slot, value);
        }
    }
}

fn put(slot: &Mutex<Slot>, value: Value) {
    let waker = {
        let mut s = slot.lock().unwrap_or_else(|p| p.into_inner());
        s.value = Some(value);
        s.waker.take()
    };
    if let Some(w) = waker {
        w.wake();
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            put(&slot, Err(TokenManagerError::Disposed));
        }
    }
}

impl Future for Receiver {
    type Output = Value;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Value> {
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match s.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
