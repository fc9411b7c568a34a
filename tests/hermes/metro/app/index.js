// The app a React Native project would have: it imports the package by name, and Metro picks
// the file (pkg/index.native.js through the `react-native` condition or main field).
import { TokenManager } from 'chat-token-manager';

globalThis.__chatTokenManager = { TokenManager };
