import '@testing-library/jest-dom';

// The views render full material-table tables; on a busy shared CI core a
// single interaction test can exceed Jest's 5 s default.
jest.setTimeout(30_000);
