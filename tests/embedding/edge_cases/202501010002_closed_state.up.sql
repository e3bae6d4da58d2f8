ALTER TYPE state ADD VALUE 'closed';
