import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// The first render pulls in the whole app; on a busy machine that takes more than the 1 s default.
configure({ asyncUtilTimeout: 5000 });
