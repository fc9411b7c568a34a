// React Native's Babel preset, as a React Native app's babel.config.js has it.
module.exports = { presets: ['module:@react-native/babel-preset'] };
