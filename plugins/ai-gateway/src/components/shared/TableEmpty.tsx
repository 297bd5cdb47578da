import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import type { ReactNode } from 'react';

/** The body of an empty table: what is missing and what to do. */
export function TableEmpty(props: { children: ReactNode }) {
  return (
    <Box p={2}>
      <Typography variant="body2" color="textSecondary">
        {props.children}
      </Typography>
    </Box>
  );
}
